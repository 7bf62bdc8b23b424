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
	cl, err := producerClient(ctx, brokers, *config, *topic, *parts)
	if err != nil {
		return err
	}
	defer cl.Close()
	start := time.Now()
	n, err := kafka.Produce(ctx, cl, *topic, inputs)
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(e.stdout, "produce: %d records to %s in %s (%.0f records/s)\n", n, *topic, el.Round(time.Millisecond), float64(n)/el.Seconds())
	return nil
}

// producerClient returns a client for producing to topic (created with the
// given partitions when missing), secured as the job config file says.
func producerClient(ctx context.Context, brokers []string, config, topic string, partitions int) (*kgo.Client, error) {
	cfg, err := jobs.LoadConfig(config)
	if err != nil {
		return nil, err
	}
	sec, err := cfg.Source.Security.Opts()
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(5 * time.Millisecond), kgo.ProducerBatchMaxBytes(1 << 20)}, sec...)...)
	if err != nil {
		return nil, fmt.Errorf("cannot create Kafka client: %w", err)
	}
	if err := kafka.CreateTopic(ctx, cl, topic, partitions); err != nil {
		cl.Close()
		return nil, err
	}
	return cl, nil
}
