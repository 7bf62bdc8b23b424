// Package cli implements the pricewatch commands. Each command is one file;
// Main dispatches to them.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
)

type command struct {
	name, args, help string
	run              func(ctx context.Context, env *env, args []string) error
}

// env is what a command writes to.
type env struct {
	stdout, stderr io.Writer
	log            *slog.Logger
}

var commands []command

func init() {
	commands = []command{
		{"demo", "[--out DIR] [--events N]", "start an in-process Kafka broker, feed it a realistic stream with planted anomalies, run the job, summarise", runDemo},
		{"run", "--config FILE [--brokers H:P,...] [--topic T] [--group G] [--instance-id ID] [--out DIR] [--metrics ADDR] [--exit-at-end]", "consume a topic as a consumer group member", runRun},
		{"backfill", "--config FILE (--input PATH... [--partitions N] | --archive DIR | --brokers H:P --topic T [--from-time T1] [--to-time T2]) --out DIR",
			"run the job over JSONL files, a raw-event archive, or a bounded range of a topic", runBackfill},
		{"produce", "--brokers H:P,... --topic T [--partitions N] --input PATH...", "publish JSONL events, key = instrument_id", runProduce},
		{"sql", "--out DIR [--format table|csv|json] QUERY", "query the outputs (read-only)", runSQL},
		{"report", "[--out DIR] [--instrument ID ...] [--file FILE]", "write an HTML page of charts of the outputs (offline, self-contained)", runReport},
		{"diff", "DIR_A DIR_B [--table T ...] | --snapshots DIR --from D1 --to D2", "compare two output sets table by table (exit 1 when they differ), or list what changed between two snapshot dates", runDiff},
		{"detect", "--input FILE [--time-col C] [--value-col C] [--detector NAME|ensemble] [--output FILE]", "score every row of a CSV or JSONL series online: timestamp,value,anomaly_score", runDetect},
		{"bench", "[--dir DIR] [--instruments N] [--events N] [--brokers H:P] [--rate R] [--only backfill,kafka,latency]", "measure throughput, latency and memory on the standard workload, against DuckDB", runBench},
		{"gen", "[--out FILE | --brokers H:P --topic T] [--instruments N] [--events N] [--seed S]", "write a deterministic workload as JSONL, or produce it to Kafka as produce would", runGen},
		{"config", "[--config FILE]", "check a config file and print the effective config", runConfig},
	}
}

// Main runs the command named by args[0] and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, log: newLogger(stderr)}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if path := os.Getenv("PRICEWATCH_CPUPROFILE"); path != "" {
			path = strings.ReplaceAll(path, "{command}", c.name)
			defer profile(path, stderr)()
		}
		if path := os.Getenv("PRICEWATCH_MEMPROFILE"); path != "" {
			defer memProfile(strings.ReplaceAll(path, "{command}", c.name), stderr)
		}
		err := c.run(ctx, e, args[1:])
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if errors.As(err, new(errDiffer)) {
			return 1
		}
		if err != nil {
			fmt.Fprintf(stderr, "pricewatch %s: %v\n", c.name, err)
			var ue usageError
			if errors.As(err, &ue) {
				return 2
			}
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "pricewatch: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "pricewatch: event-time windows, anomalies and histories from a Kafka price stream.")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  pricewatch %-8s %s\n      %s\n", c.name, c.args, c.help)
	}
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("pricewatch "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// listFlag is a repeatable flag whose values may also be comma-separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// parse parses flags, allowing flags after positional arguments too, and
// returns the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// profile writes a CPU profile to path until the returned function is called
// (PRICEWATCH_CPUPROFILE=FILE, for performance work; "{command}" in FILE is
// replaced by the command's name, so that `bench` and the jobs it runs as
// child processes write profiles of their own).
func profile(path string, stderr io.Writer) func() {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(stderr, "pricewatch: cannot profile to %q: %v\n", path, err)
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// memProfile writes the allocations made so far to path
// (PRICEWATCH_MEMPROFILE=FILE, read with `go tool pprof -sample_index=alloc_space`).
func memProfile(path string, stderr io.Writer) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "pricewatch: cannot write the allocation profile to %q: %v\n", path, err)
	}
}

// newLogger logs text to a terminal and JSON lines otherwise (for log
// collectors), at the level of PRICEWATCH_LOG_LEVEL (debug, info, warn,
// error; default info).
func newLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if lvl := os.Getenv("PRICEWATCH_LOG_LEVEL"); lvl != "" {
		var l slog.Level
		if err := l.UnmarshalText([]byte(lvl)); err == nil {
			opts.Level = l
		}
	}
	if isTerminal(w) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// isTerminal reports whether w is a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
