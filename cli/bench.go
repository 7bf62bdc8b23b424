package cli

import (
	"context"
	"os"
	"slices"
	"strings"

	"pricewatch/bench"
)

func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench")
	s := bench.Spec{Log: e.stderr}
	fs.StringVar(&s.Dir, "dir", "bench-out", "work folder for the workload and outputs")
	fs.IntVar(&s.Instruments, "instruments", 10000, "instruments in the workload")
	fs.IntVar(&s.Events, "events", 10_000_000, "ticks in the workload")
	fs.StringVar(&s.Brokers, "brokers", os.Getenv("KAFKA_BROKERS"), "a Kafka broker for the Kafka rows (default $KAFKA_BROKERS; empty skips them)")
	fs.IntVar(&s.Rate, "rate", 200_000, "input rate of the latency run, events/s")
	only := fs.String("only", "", "measure only these parts, comma-separated: "+strings.Join(bench.Parts, ", ")+" (default all)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *only != "" {
		s.Only = strings.Split(*only, ",")
		for _, o := range s.Only {
			if !slices.Contains(bench.Parts, o) {
				return usagef("--only %q: unknown part %q, want %s", *only, o, strings.Join(bench.Parts, ", "))
			}
		}
	}
	if s.Bin, err = os.Executable(); err != nil {
		return err
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return err
	}
	rows, err := bench.Run(ctx, s)
	if err != nil {
		return err
	}
	bench.Print(e.stdout, rows)
	return nil
}
