package cli

import (
	"context"
	"fmt"
	"time"

	"pricewatch/files"
	"pricewatch/jobs"
)

func runBackfill(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "backfill")
	config := fs.String("config", "", "job config file (default: the built-in jobs/default.yaml)")
	var inputs, brokers listFlag
	fs.Var(&inputs, "input", "JSONL input file, plain or gzip (repeatable; more may follow as arguments)")
	archive := fs.String("archive", "", "replay a raw-event archive (an output folder or its archive/ folder)")
	topic := fs.String("topic", "", "read a bounded range of this topic directly (with --brokers)")
	fs.Var(&brokers, "brokers", "Kafka bootstrap brokers H:P,... for --topic (default: source.brokers)")
	fromTime := fs.String("from-time", "", "with --topic: start at the first record at or after this RFC 3339 time")
	toTime := fs.String("to-time", "", "with --topic: stop before the first record at or after this RFC 3339 time")
	out := fs.String("out", "", "output folder (required)")
	parts := fs.Int("partitions", 0, "with --input: partitions to spread records over, as the topic would (default: source.partitions)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	in := jobs.BackfillInput{Files: append(inputs, pos...), Archive: *archive, Topic: *topic}
	given := 0
	for _, ok := range []bool{len(in.Files) > 0, in.Archive != "", in.Topic != ""} {
		if ok {
			given++
		}
	}
	if given != 1 {
		return usagef("give exactly one of --input, --archive and --topic")
	}
	if *out == "" {
		return usagef("--out is required")
	}
	for flag, v := range map[string]struct {
		s string
		t *time.Time
	}{"--from-time": {*fromTime, &in.FromTime}, "--to-time": {*toTime, &in.ToTime}} {
		if v.s == "" {
			continue
		}
		if in.Topic == "" {
			return usagef("%s goes with --topic", flag)
		}
		if *v.t, err = time.Parse(time.RFC3339Nano, v.s); err != nil {
			return usagef("%s: %q is not an RFC 3339 time", flag, v.s)
		}
	}
	cfg, err := jobs.LoadConfig(*config)
	if err != nil {
		return err
	}
	if *parts != 0 {
		cfg.Source.Partitions = *parts
	}
	if len(brokers) > 0 {
		cfg.Source.Brokers = brokers
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if len(in.Files) > 0 {
		size, err := files.Size(in.Files)
		if err != nil {
			return err
		}
		p := newProgress(e, "backfill", "bytes", size, 10*time.Second)
		defer p.finish()
		in.Progress = p
	}
	start := time.Now()
	st, err := jobs.Backfill(ctx, cfg, *out, in)
	if p, ok := in.Progress.(*progress); ok {
		p.finish()
	}
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(e.stdout, "backfill: %s in %s (%.0f records/s)\n", st, el.Round(time.Millisecond), float64(st.Records())/el.Seconds())
	return nil
}
