// Package bench is `pricewatch bench`: one run that generates the standard
// workload and measures the job end to end — backfill throughput, the same
// through a real Kafka broker, ingest-to-alert latency at a fixed input
// rate, peak memory and state size — against DuckDB computing the same
// 1-minute bars from the same input. It runs the pricewatch binary as child
// processes so that each measurement has a process of its own.
package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"pricewatch/gen"
)

// Spec is one bench run.
type Spec struct {
	Bin         string // the pricewatch binary to measure
	Dir         string // work folder (workload and outputs)
	Instruments int    // default 10000
	Events      int    // default 10,000,000
	Brokers     string // a Kafka cluster for the Kafka rows; "" skips them
	Rate        int    // input rate of the latency run, events/s; default 200,000
	// Only names the parts to measure, of "backfill" (backfill, memory, DuckDB),
	// "kafka" (produce, run) and "latency"; empty measures all.
	Only []string
	Log  io.Writer
}

// Row is one line of the result table.
type Row struct {
	Name, Value, Note string
}

// Run performs the measurements and returns the table rows.
func Run(ctx context.Context, s Spec) ([]Row, error) {
	if s.Instruments == 0 {
		s.Instruments = 10000
	}
	if s.Events == 0 {
		s.Events = 10_000_000
	}
	if s.Rate == 0 {
		s.Rate = 200_000
	}
	for _, o := range s.Only {
		if !slices.Contains(Parts, o) {
			return nil, fmt.Errorf("bench: unknown part %q, want one of %s", o, strings.Join(Parts, ", "))
		}
	}
	var rows []Row
	add := func(name, value, note string) {
		rows = append(rows, Row{name, value, note})
		fmt.Fprintf(s.Log, "bench: %-44s %s %s\n", name, value, note)
	}
	input := filepath.Join(s.Dir, "workload.jsonl")
	cfgPath := filepath.Join(s.Dir, "bench.yaml")
	if err := os.WriteFile(cfgPath, []byte(standardConfig), 0o644); err != nil {
		return nil, err
	}
	t0 := time.Now()
	lines, reused, err := writeWorkload(input, s)
	if err != nil {
		return nil, err
	}
	how := "generated in " + since(t0)
	if reused {
		how = "reused from an earlier run (same spec)"
	}
	add("workload", fmt.Sprintf("%d events", lines), fmt.Sprintf("%d instruments, %s", s.Instruments, how))

	if s.measures("backfill") {
		if err := backfillRows(ctx, s, input, cfgPath, lines, add); err != nil {
			return nil, err
		}
	}
	if s.Brokers == "" {
		return rows, nil
	}
	if s.measures("kafka") {
		if err := kafkaRows(ctx, s, input, cfgPath, lines, add); err != nil {
			return nil, err
		}
	}
	if s.measures("latency") {
		settle()
		lat, err := latency(ctx, s, cfgPath)
		if err != nil {
			return nil, err
		}
		add("ingest-to-alert latency p50", lat.p50.String(), fmt.Sprintf("at %s, %d alerts, after %s of warm-up", rate(float64(s.Rate)), lat.n, latencyWarmup))
		add("ingest-to-alert latency p99", lat.p99.String(), "")
	}
	return rows, nil
}

// Parts are the parts of a bench run Spec.Only can name.
var Parts = []string{"backfill", "kafka", "latency"}

func (s Spec) measures(part string) bool { return len(s.Only) == 0 || slices.Contains(s.Only, part) }

// backfillRows measures the backfill of the standard and the default job
// against DuckDB computing the same bars.
func backfillRows(ctx context.Context, s Spec, input, cfgPath string, lines int, add func(name, value, note string)) error {
	out := filepath.Join(s.Dir, "out-backfill")
	os.RemoveAll(out)
	el, rss, quarters, err := childRSS(ctx, s, "backfill", "--config", cfgPath, "--input", input, "--out", out)
	if err != nil {
		return err
	}
	pwRate := float64(lines) / el.Seconds()
	add("backfill end to end", rate(pwRate), fmt.Sprintf("%s wall; tumbling 1m + hopping 5m/1m, default detectors, history, DuckDB + Parquet", el.Round(time.Millisecond)))
	add("peak memory (backfill)", mib(rss), "max RSS of the process")
	add("memory over the backfill", fmt.Sprintf("%s / %s / %s / %s", mib(quarters[0]), mib(quarters[1]), mib(quarters[2]), mib(quarters[3])),
		"RSS at 1/4, 1/2, 3/4 and the end of the run")
	if st, err := stateBytes(out, s.Instruments); err == nil {
		add("state per instrument", fmt.Sprintf("%d B", st), "checkpointed lane state (windows, detectors, history) / instruments")
	}

	dd, err := duckdbBars(ctx, input, s.Dir)
	if err != nil {
		return err
	}
	add("DuckDB: same 1-minute bars from the JSONL", dd.Round(time.Millisecond).String(), "read_json + GROUP BY time_bucket, bars only")
	add("ratio pricewatch / DuckDB", fmt.Sprintf("%.2f", el.Seconds()/dd.Seconds()), "pricewatch also runs hopping windows, detectors, history and writes Parquet")
	// The same comparison for the default job: the 1-minute bars, with the
	// default detectors and history.
	bout := filepath.Join(s.Dir, "out-backfill-default")
	os.RemoveAll(bout)
	bel, _, err := child(ctx, s, "backfill", "--input", input, "--out", bout)
	if err != nil {
		return err
	}
	add("backfill, default job", rate(float64(lines)/bel.Seconds()), fmt.Sprintf("%s wall; tumbling 1m only, default detectors, history", bel.Round(time.Millisecond)))
	add("ratio pricewatch / DuckDB, default job", fmt.Sprintf("%.2f", bel.Seconds()/dd.Seconds()), "the same bars, plus detectors, history and Parquet")
	os.RemoveAll(bout)
	// And for the work of the DuckDB query alone: the 1-minute bars, with
	// no detector and no history, which still become durable (Parquet,
	// DuckDB, checkpoints) where DuckDB's stay in memory.
	barsPath := filepath.Join(s.Dir, "bars-only.yaml")
	if err := os.WriteFile(barsPath, []byte(barsOnlyConfig), 0o644); err != nil {
		return err
	}
	bout = filepath.Join(s.Dir, "out-backfill-bars")
	os.RemoveAll(bout)
	oel, _, err := child(ctx, s, "backfill", "--config", barsPath, "--input", input, "--out", bout)
	if err != nil {
		return err
	}
	add("backfill, bars only", rate(float64(lines)/oel.Seconds()), fmt.Sprintf("%s wall; tumbling 1m only, no detector, no history", oel.Round(time.Millisecond)))
	add("ratio pricewatch / DuckDB, bars only", fmt.Sprintf("%.2f", oel.Seconds()/dd.Seconds()), "the same work, but durable: Parquet, DuckDB and checkpoints")
	os.RemoveAll(bout)

	return nil
}

// kafkaRows produces the workload to the broker and runs the standard job
// on it to the end.
func kafkaRows(ctx context.Context, s Spec, input, cfgPath string, lines int, add func(name, value, note string)) error {
	topic := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	pel, _, err := child(ctx, s, "produce", "--brokers", s.Brokers, "--topic", topic, "--partitions", "4", "--input", input)
	if err != nil {
		return err
	}
	add("produce to the real broker", rate(float64(lines)/pel.Seconds()), "")
	kout := filepath.Join(s.Dir, "out-run")
	os.RemoveAll(kout)
	kel, krss, err := child(ctx, s, "run", "--config", cfgPath, "--brokers", s.Brokers, "--topic", topic, "--group", topic, "--out", kout, "--exit-at-end")
	if err != nil {
		return err
	}
	add("run --exit-at-end through the real broker", rate(float64(lines)/kel.Seconds()), fmt.Sprintf("%s wall, peak memory %s", kel.Round(time.Millisecond), mib(krss)))
	return deleteTopics(ctx, s.Brokers, topic)
}

// Print writes the rows as a table.
func Print(w io.Writer, rows []Row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "measure\tvalue\tnote\n")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, r.Value, r.Note)
	}
	tw.Flush()
	fmt.Fprintf(w, "(%s, %d cores, %s)\n", runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), cpuModel())
}

// standardConfig is the standard job of the bench: the default job (epochs
// of 100,000 offsets) with a hopping window besides the tumbling one.
const standardConfig = `windows:
  tumbling: [1m]
  hopping:
    - {size: 5m, slide: 1m}
`

// barsOnlyConfig is the job that does what the DuckDB query does: the
// default job's 1-minute bars, every detector off, and no attribute's
// history (the workload's reference attributes and ticks all excluded).
const barsOnlyConfig = `detectors:
  jump: {enabled: false}
  zscore: {enabled: false}
  limit_band: {enabled: false}
  sequence: {enabled: false}
  invalid: {enabled: false}
history:
  exclude: [price, volume, kr_short_name, en_short_name, shares_issued, issue_date, issue_price, par_value, base_price]
`

// writeWorkload writes the workload, or reuses the one a previous run left
// in the folder when it was generated from the same spec (the generator is
// deterministic): its stamp names the spec, the line count and the size.
func writeWorkload(path string, s Spec) (lines int, reused bool, err error) {
	g := gen.DefaultSpec()
	g.Instruments, g.Events, g.PlantEvery = s.Instruments, s.Events, 50
	stampPath := path + ".stamp"
	spec := fmt.Sprintf("%+v", g)
	if b, err := os.ReadFile(stampPath); err == nil {
		var n int
		var size int64
		if _, err := fmt.Sscanf(string(b), "%d %d", &n, &size); err == nil && strings.HasSuffix(strings.TrimSpace(string(b)), spec) {
			if fi, err := os.Stat(path); err == nil && fi.Size() == size {
				return n, true, nil
			}
		}
	}
	os.Remove(stampPath)
	res, err := gen.WriteFile(path, g)
	if err != nil {
		return 0, false, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false, err
	}
	return res.Lines, false, os.WriteFile(stampPath, fmt.Appendf(nil, "%d %d %s\n", res.Lines, fi.Size(), spec), 0o644)
}

// child runs the binary and returns its wall time and peak RSS.
func child(ctx context.Context, s Spec, args ...string) (time.Duration, int64, error) {
	el, rss, _, err := childRSS(ctx, s, args...)
	return el, rss, err
}

// childRSS is child that also samples the process's resident memory every
// 100 ms, and returns it at a quarter, half, three quarters and the end of
// its run: flat memory shows as four close figures.
func childRSS(ctx context.Context, s Spec, args ...string) (time.Duration, int64, [4]int64, error) {
	var quarters [4]int64
	cmd := exec.CommandContext(ctx, s.Bin, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, quarters, fmt.Errorf("bench: pricewatch %s: %w", args[0], err)
	}
	type sample struct {
		at  time.Duration
		rss int64
	}
	var samples []sample
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if rss, ok := procRSS(cmd.Process.Pid); ok {
					samples = append(samples, sample{time.Since(start), rss})
				}
			}
		}
	}()
	err := cmd.Wait()
	el := time.Since(start)
	close(done)
	<-sampled
	if err != nil {
		return 0, 0, quarters, fmt.Errorf("bench: pricewatch %s: %w\n%s%s", args[0], err, stdout.String(), tailLines(stderr.String(), 20))
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024
	}
	for q := range quarters {
		at := el * time.Duration(q+1) / 4
		for _, sm := range samples {
			if sm.at <= at {
				quarters[q] = sm.rss
			}
		}
	}
	return el, rss, quarters, nil
}

// procRSS reads a process's resident memory from /proc (Linux).
func procRSS(pid int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb); err == nil {
				return kb * 1024, true
			}
		}
	}
	return 0, false
}

// duckdbBars times DuckDB computing 1-minute OHLC bars per instrument from
// the JSONL file.
func duckdbBars(ctx context.Context, input, dir string) (time.Duration, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	q := fmt.Sprintf(`CREATE TABLE bars AS
		SELECT instrument_id, time_bucket(INTERVAL 1 minute, ts) AS window_start,
		       arg_min(price, ts) AS open, max(price) AS high, min(price) AS low,
		       arg_max(price, ts) AS close, count(*) AS count, sum(price) AS sum,
		       sum(price * volume) / nullif(sum(volume), 0) AS vwap
		FROM (SELECT instrument_id, try_cast(event_time AS TIMESTAMP) AS ts, price, volume
		      FROM read_json(%s, columns = {instrument_id: 'VARCHAR', event_time: 'VARCHAR', price: 'DOUBLE', volume: 'DOUBLE'},
		                     format = 'newline_delimited', ignore_errors = true))
		WHERE price IS NOT NULL AND ts IS NOT NULL
		GROUP BY ALL`, "'"+strings.ReplaceAll(input, "'", "''")+"'")
	start := time.Now()
	if _, err := db.ExecContext(ctx, q); err != nil {
		return 0, fmt.Errorf("bench: DuckDB bars: %w", err)
	}
	return time.Since(start), nil
}

func stateBytes(out string, instruments int) (int64, error) {
	db, err := sql.Open("duckdb", filepath.Join(out, "pricewatch.duckdb")+"?access_mode=read_only")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(`SELECT sum(state_bytes) FROM _pricewatch_checkpoints`).Scan(&n); err != nil {
		return 0, err
	}
	return n / int64(instruments), nil
}

func rate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.2f M events/s", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.0f k events/s", r/1e3)
	}
	return fmt.Sprintf("%.0f events/s", r)
}

func mib(b int64) string { return fmt.Sprintf("%d MiB", b>>20) }

func since(t time.Time) string { return time.Since(t).Round(time.Millisecond).String() }

func tailLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
