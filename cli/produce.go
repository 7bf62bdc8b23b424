package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/jobs"
	"pricewatch/kafka"
)

func runProduce(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "produce")
	var brokers, inputs listFlag
	fs.Var(&brokers, "brokers", "Kafka bootstrap brokers H:P,... (required)")
	topic := fs.String("topic", "", "topic (required)")
	parts := fs.Int("partitions", 4, "partitions of the topic when produce creates it")
	fs.Var(&inputs, "input", "JSONL input file, plain or gzip (repeatable; more may follow as arguments)")
	config := fs.String("config", "", "job config file whose source.security (TLS, SASL) the client uses")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	inputs = append(inputs, pos...)
	switch {
	case len(brokers) == 0:
		return usagef("--brokers is required")
	case *topic == "":
		return usagef("--topic is required")
	case len(inputs) == 0:
		return usagef("--input is required")
	case *parts < 1:
		return usagef("--partitions: %d is not allowed; want 1 or more", *parts)
	}
	cfg, err := jobs.LoadConfig(*config)
	if err != nil {
		return err
	}
	sec, err := cfg.Source.Security.Opts()
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(5 * time.Millisecond), kgo.ProducerBatchMaxBytes(1 << 20)}, sec...)...)
	if err != nil {
		return fmt.Errorf("cannot create Kafka client: %w", err)
	}
	defer cl.Close()
	if err := kafka.CreateTopic(ctx, cl, *topic, *parts); err != nil {
		return err
	}
	start := time.Now()
	n, err := kafka.Produce(ctx, cl, *topic, inputs)
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(e.stdout, "produce: %d records to %s in %s (%.0f records/s)\n", n, *topic, el.Round(time.Millisecond), float64(n)/el.Seconds())
	return nil
}
