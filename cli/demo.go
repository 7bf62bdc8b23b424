package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/duckdb"
	"pricewatch/gen"
	"pricewatch/jobs"
	"pricewatch/kafka"
)

// demoPartitions is the partition count of the demo topic.
const demoPartitions = 4

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo")
	out := fs.String("out", "pricewatch-out", "output folder (its earlier outputs are replaced)")
	events := fs.Int("events", gen.DefaultSpec().Events, "ticks to generate")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	start := time.Now()
	if err := clearOutputs(*out); err != nil {
		return err
	}
	spec := gen.DefaultSpec()
	spec.Events = *events
	input := filepath.Join(*out, "demo-input.jsonl")
	res, err := writeWorkload(input, spec)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo: generated %d events for %d instruments (%d planted anomalies) in %s\n",
		res.Lines, spec.Instruments, len(res.Planted), input)

	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(demoPartitions, "prices"))
	if err != nil {
		return fmt.Errorf("cannot start the in-process Kafka broker: %w", err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return err
	}
	n, err := kafka.Produce(ctx, cl, "prices", []string{input})
	cl.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo: produced %d records to topic prices (%d partitions) on an in-process broker at %s\n", n, demoPartitions, brokers[0])

	cfg := jobs.DefaultConfig()
	cfg.Source.Brokers, cfg.Source.Topic, cfg.Source.Group = brokers, "prices", "pricewatch-demo"
	cfg.Source.Partitions = demoPartitions
	t0 := time.Now()
	st, err := jobs.Run(ctx, cfg, *out, jobs.RunOpts{ExitAtEnd: true, Log: e.log})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo: ran the job in %s: %s\n", time.Since(t0).Round(time.Millisecond), st)
	if err := summarise(ctx, e, *out, res.Planted); err != nil {
		return err
	}
	report, err := writeReport(ctx, *out, "", nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\ndemo: report with charts: %s\n", report)
	fmt.Fprintf(e.stdout, "\ndemo: done in %s. Outputs: %s (DuckDB) and %s (Parquet).\n",
		time.Since(start).Round(time.Millisecond), filepath.Join(*out, duckdb.FileName), filepath.Join(*out, "parquet"))
	fmt.Fprintf(e.stdout, "Try: pricewatch sql --out %s \"SELECT detector, instrument_id, event_time, reason FROM anomalies ORDER BY event_time LIMIT 10\"\n", *out)
	return nil
}

// clearOutputs removes what an earlier demo left in out.
func clearOutputs(out string) error {
	for _, p := range []string{duckdb.FileName, duckdb.FileName + ".wal", "parquet", "archive", "demo-input.jsonl", "report.html"} {
		if err := os.RemoveAll(filepath.Join(out, p)); err != nil {
			return fmt.Errorf("cannot clear %q: %w", filepath.Join(out, p), err)
		}
	}
	return os.MkdirAll(out, 0o755)
}

func writeWorkload(path string, s gen.Spec) (gen.Result, error) {
	f, err := os.Create(path)
	if err != nil {
		return gen.Result{}, fmt.Errorf("cannot create %q: %w", path, err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	res, err := gen.Write(bw, s)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return res, fmt.Errorf("cannot write %q: %w", path, err)
	}
	return res, nil
}

// summarise prints what the job found, and which planted anomalies it caught.
func summarise(ctx context.Context, e *env, out string, planted []gen.Planted) error {
	db, err := duckdb.OpenReadOnly(filepath.Join(out, duckdb.FileName))
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(e.stdout, "\nOutput tables:")
	if err := query(ctx, db, `SELECT 'window_bars' AS "table", count(*) AS rows FROM window_bars
		UNION ALL SELECT 'anomalies', count(*) FROM anomalies
		UNION ALL SELECT 'attr_history', count(*) FROM attr_history
		UNION ALL SELECT 'late_events', count(*) FROM late_events
		UNION ALL SELECT 'dead_letters', count(*) FROM dead_letters`, "table", e.stdout); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nAnomalies by detector:")
	if err := query(ctx, db, `SELECT detector, count(*) AS anomalies, count(DISTINCT instrument_id) AS instruments
		FROM anomalies GROUP BY detector ORDER BY detector`, "table", e.stdout); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nPlanted anomalies:")
	found := 0
	for _, p := range planted {
		var n int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM anomalies WHERE detector = ? AND instrument_id = ? AND epoch_us(event_time) = ?`,
			p.Kind, p.InstrumentID, p.EventTime).Scan(&n)
		if err != nil {
			return err
		}
		mark := "missed"
		if n > 0 {
			mark, found = "found", found+1
		}
		fmt.Fprintf(e.stdout, "  %-10s %s at %s: %s\n", p.Kind, p.InstrumentID, time.UnixMicro(p.EventTime).UTC().Format("15:04:05.000"), mark)
	}
	fmt.Fprintf(e.stdout, "  found %d of %d planted anomalies\n", found, len(planted))
	return nil
}
