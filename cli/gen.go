package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"pricewatch/gen"
	"pricewatch/kafka"
)

func runGen(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "gen")
	s := gen.DefaultSpec()
	out := fs.String("out", "-", "output JSONL file (- for standard output)")
	var brokers listFlag
	fs.Var(&brokers, "brokers", "produce to Kafka instead: bootstrap brokers H:P,...")
	topic := fs.String("topic", "", "with --brokers: the topic (required)")
	parts := fs.Int("partitions", 4, "with --brokers: partitions of the topic when gen creates it")
	config := fs.String("config", "", "with --brokers: job config file whose source.security (TLS, SASL) the client uses")
	fs.IntVar(&s.Instruments, "instruments", s.Instruments, "number of instruments")
	fs.IntVar(&s.Events, "events", s.Events, "number of ticks")
	fs.Uint64Var(&s.Seed, "seed", s.Seed, "random seed")
	fs.IntVar(&s.PlantEvery, "plant-every", s.PlantEvery, "plant one anomaly in every N instruments (0: none)")
	fs.IntVar(&s.Malformed, "malformed", s.Malformed, "malformed lines to mix in")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if s.Instruments < 1 || s.Events < 0 {
		return usagef("--instruments must be at least 1 and --events at least 0")
	}
	if len(brokers) > 0 {
		return genToKafka(ctx, e, s, brokers, *topic, *parts, *config, *out)
	}
	var w io.Writer = e.stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("cannot create %q: %w", *out, err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if *out != "-" { // with standard output, the terminal is the data's
		p := newProgress(e, "gen", "ticks", int64(s.Events), 10*time.Second)
		defer p.finish()
		s.Progress = p
	}
	res, err := gen.Write(bw, s)
	if p, ok := s.Progress.(*progress); ok {
		p.finish()
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cannot write %q: %w", *out, err)
	}
	fmt.Fprintf(e.stderr, "gen: %d lines, %d planted anomalies\n", res.Lines, len(res.Planted))
	return nil
}

// genToKafka produces the workload to a topic as `produce` would from the
// file gen writes: same keys, partitions and order.
func genToKafka(ctx context.Context, e *env, s gen.Spec, brokers []string, topic string, parts int, config, out string) error {
	switch {
	case topic == "":
		return usagef("--topic is required with --brokers")
	case out != "-":
		return usagef("--out and --brokers: choose one")
	case parts < 1:
		return usagef("--partitions: %d is not allowed; want 1 or more", parts)
	}
	cl, err := producerClient(ctx, brokers, config, topic, parts)
	if err != nil {
		return err
	}
	defer cl.Close()
	p, err := kafka.NewLineProducer(ctx, cl, topic)
	if err != nil {
		return err
	}
	prog := newProgress(e, "gen", "ticks", int64(s.Events), 10*time.Second)
	s.Progress = prog
	start := time.Now()
	res, err := gen.Write(p, s)
	prog.finish()
	n, err := p.Close(err)
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(e.stderr, "gen: %d records to %s in %s (%.0f records/s), %d planted anomalies\n",
		n, topic, el.Round(time.Millisecond), float64(n)/el.Seconds(), len(res.Planted))
	return nil
}
