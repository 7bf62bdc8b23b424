package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"pricewatch/gen"
)

func runGen(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "gen")
	s := gen.DefaultSpec()
	out := fs.String("out", "-", "output JSONL file (- for standard output)")
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
