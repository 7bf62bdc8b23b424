package cli

import (
	"context"
	"fmt"
	"time"

	"pricewatch/jobs"
)

func runBackfill(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "backfill")
	config := fs.String("config", "", "job config file (default: the built-in jobs/default.yaml)")
	var inputs listFlag
	fs.Var(&inputs, "input", "JSONL input file, plain or gzip (repeatable; more may follow as arguments)")
	out := fs.String("out", "", "output folder (required)")
	parts := fs.Int("partitions", 0, "partitions to spread records over, as the topic would (default: source.partitions)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	inputs = append(inputs, pos...)
	if len(inputs) == 0 {
		return usagef("--input is required")
	}
	if *out == "" {
		return usagef("--out is required")
	}
	cfg, err := jobs.LoadConfig(*config)
	if err != nil {
		return err
	}
	if *parts != 0 {
		cfg.Source.Partitions = *parts
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	start := time.Now()
	st, err := jobs.Backfill(ctx, cfg, *out, inputs)
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(e.stdout, "backfill: %s in %s (%.0f records/s)\n", st, el.Round(time.Millisecond), float64(st.Records())/el.Seconds())
	return nil
}
