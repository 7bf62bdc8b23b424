package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/duckdb"
	"pricewatch/gen"
	"pricewatch/jobs"
	"pricewatch/kafka"
	"pricewatch/schemas"
)

// tables reads every output table of an output folder, rows sorted.
func tables(t *testing.T, dir string) map[string][]string {
	t.Helper()
	db, err := duckdb.OpenReadOnly(filepath.Join(dir, duckdb.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]string{}
	for _, tb := range schemas.Tables {
		rows, err := duckdb.TableRows(context.Background(), db, tb)
		if err != nil {
			t.Fatal(err)
		}
		out[tb.Name] = rows
	}
	return out
}

// genFile writes the workload of s to a JSONL file of the test.
func genFile(t *testing.T, s gen.Spec) (string, gen.Result) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.jsonl")
	res, err := gen.WriteFile(path, s)
	if err != nil {
		t.Fatal(err)
	}
	return path, res
}

// runKfake produces the files to a fresh in-process broker with the given
// partitions and runs the job to the end of the topic.
func runKfake(t *testing.T, cfg jobs.Config, partitions int, out string, inputs ...string) *jobs.Stats {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(partitions), cfg.Source.Topic))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := kafka.Produce(ctx, cl, cfg.Source.Topic, inputs); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	cfg.Source.Brokers = c.ListenAddrs()
	st, err := jobs.Run(ctx, cfg, out, jobs.RunOpts{ExitAtEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func equalTables(t *testing.T, a, b map[string][]string) {
	t.Helper()
	for _, tb := range schemas.Tables {
		if !slices.Equal(a[tb.Name], b[tb.Name]) {
			t.Errorf("table %s differs:\n A (%d rows): %s\n B (%d rows): %s", tb.Name,
				len(a[tb.Name]), head(a[tb.Name]), len(b[tb.Name]), head(b[tb.Name]))
		}
	}
}

func head(rows []string) string {
	if len(rows) > 5 {
		rows = rows[:5]
	}
	return strings.Join(rows, "\n   ")
}

// TestEndToEndExactRows runs a small hand-written stream through kfake and
// `run --exit-at-end`, checks every output row, and checks that a backfill of
// the same file gives the same rows.
func TestEndToEndExactRows(t *testing.T) {
	cfg := jobs.DefaultConfig()
	cfg.Source.Partitions = 1
	input := filepath.Join("..", "testdata", "e2e-small.jsonl")
	runOut, fileOut := t.TempDir(), t.TempDir()
	st := runKfake(t, cfg, 1, runOut, input)
	if st.Records() != 7 || st.Events() != 6 || st.DeadLetters() != 1 {
		t.Fatalf("stats: %s", st)
	}
	got := tables(t, runOut)
	want := map[string][]string{
		"window_bars": {
			"005930 | price | tumbling | 2026-01-15T09:00:00Z | 2026-01-15T09:01:00Z | 71200 | 71300 | 71200 | 71300 | 2 | 142500 | 71250 | 2500 | 20 | 71225 | 2026-01-15T09:00:01.25Z | 2026-01-15T09:00:30Z | 0 | 0 | false | 0 | 4",
			"005930 | price | tumbling | 2026-01-15T09:01:00Z | 2026-01-15T09:02:00Z | 75000 | 75000 | 75000 | 75000 | 1 | 75000 | 75000 | 0 | 10 | 75000 | 2026-01-15T09:01:10Z | 2026-01-15T09:01:10Z | 0 | 0 | false | 0 | 6",
			"005930 | price | tumbling | 2026-01-15T09:03:00Z | 2026-01-15T09:04:00Z | 75100 | 75100 | 75100 | 75100 | 1 | 75100 | 75100 | 0 | 1 | 75100 | 2026-01-15T09:03:00Z | 2026-01-15T09:03:00Z | 0 | 0 | false | 0 | 6",
		},
		"late_events": nil,
		"anomalies": {
			"005930 | 2026-01-15T09:01:10Z | jump | price | 75000 | 71300 | 0.05 | " + jumpScore + " | " + jumpReason + " | 0 | 4",
		},
		"dead_letters": {
			`0 | 3 | "this is not json" | ` + deadReason,
		},
		"attr_history": {
			"1000 | base_price | 16000 | NULL | 2025-12-31T00:00:00Z | 2026-01-15T00:00:00Z | upsert | 1 | 0 | 0 | 5",
			"1000 | base_price | 17000 | NULL | 2026-01-15T00:00:00Z | NULL | upsert | 2 | 0 | 5 | 5",
			"1000 | kr_short_name | NULL | 홍길동사 | 2025-12-31T00:00:00Z | NULL | upsert | 1 | 0 | 0 | 0",
		},
	}
	for _, tb := range schemas.Tables {
		if !slices.Equal(got[tb.Name], want[tb.Name]) {
			t.Errorf("%s:\n got  %q\n want %q", tb.Name, got[tb.Name], want[tb.Name])
		}
	}
	if _, err := jobs.Backfill(context.Background(), cfg, fileOut, jobs.BackfillInput{Files: []string{input}}); err != nil {
		t.Fatal(err)
	}
	equalTables(t, got, tables(t, fileOut))
}

// TestRunEqualsBackfill runs a generated stream with planted anomalies and
// malformed lines through kfake (4 partitions) and through a backfill, and
// requires identical rows in every table; every planted jump is found, and no
// instrument without a planted anomaly gets a jump.
func TestRunEqualsBackfill(t *testing.T) {
	s := gen.DefaultSpec()
	s.Instruments, s.Events, s.PlantEvery = 60, 30000, 5
	input, res := genFile(t, s)
	cfg := jobs.DefaultConfig()
	cfg.Epoch.Records = 1000 // many epochs
	runOut, fileOut := t.TempDir(), t.TempDir()
	st := runKfake(t, cfg, 4, runOut, input)
	if st.Records() != int64(res.Lines) || st.DeadLetters() != int64(s.Malformed) {
		t.Fatalf("stats %s; want %d records, %d dead letters", st, res.Lines, s.Malformed)
	}
	if _, err := jobs.Backfill(context.Background(), cfg, fileOut, jobs.BackfillInput{Files: []string{input}}); err != nil {
		t.Fatal(err)
	}
	got := tables(t, runOut)
	equalTables(t, got, tables(t, fileOut))

	db, err := duckdb.OpenReadOnly(filepath.Join(runOut, duckdb.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	plantedIDs := map[string]bool{}
	for _, p := range res.Planted {
		plantedIDs[p.InstrumentID] = true
		if p.Kind != "jump" {
			continue
		}
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM anomalies WHERE detector = 'jump' AND instrument_id = ? AND epoch_us(event_time) = ?`,
			p.InstrumentID, p.EventTime).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("planted jump %+v: %d anomalies, want 1", p, n)
		}
	}
	rows, err := db.Query(`SELECT DISTINCT instrument_id FROM anomalies WHERE detector IN ('jump', 'zscore')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		rows.Scan(&id)
		if !plantedIDs[id] {
			t.Errorf("instrument %s has no planted anomaly but was flagged by jump or zscore", id)
		}
	}
}

// Texts the detectors and the decoder write, checked as part of the rows.
const (
	jumpScore  = "0.03648648648648489" // 1 - threshold/change
	jumpReason = "price 75,000 is 5.2% above previous 71,300; threshold 5%"
	deadReason = "invalid JSON at byte 0: invalid literal"
)

// TestArchiveReplay runs with the raw-event archive on, then backfills from
// the archive alone: every table is the same.
func TestArchiveReplay(t *testing.T) {
	s := gen.DefaultSpec()
	s.Instruments, s.Events = 40, 20000
	input, _ := genFile(t, s)
	cfg := jobs.DefaultConfig()
	cfg.Archive.Enabled = true
	cfg.Epoch.Records = 3000
	runOut, archOut := t.TempDir(), t.TempDir()
	runKfake(t, cfg, 4, runOut, input)
	cfg.Archive.Enabled = false
	st, err := jobs.Backfill(context.Background(), cfg, archOut, jobs.BackfillInput{Archive: runOut})
	if err != nil {
		t.Fatal(err)
	}
	if st.Records() != int64(s.Events+s.Instruments+2+s.Malformed) {
		t.Errorf("replayed %d records: %s", st.Records(), st)
	}
	equalTables(t, tables(t, runOut), tables(t, archOut))
	dates, _ := filepath.Glob(filepath.Join(runOut, jobs.ArchiveDir, "event_date=*"))
	if len(dates) != 3 { // 2026-01-14 (reference data), 2026-01-15, none (malformed)
		t.Errorf("archive dates = %v", dates)
	}
}

// TestUnwritableOutputStopsAndResumes blocks the Parquet folder of one table
// mid-backfill: the backfill stops with an error naming the path and commits
// nothing it did not write; once the blocker is gone, a rerun into the same
// folder resumes from the checkpoints and the outputs equal a clean run's.
func TestUnwritableOutputStopsAndResumes(t *testing.T) {
	s := gen.DefaultSpec()
	s.Instruments, s.Events = 30, 20000
	input, _ := genFile(t, s)
	cfg := jobs.DefaultConfig()
	cfg.Epoch.Records = 1000
	ctx := context.Background()
	clean, out := t.TempDir(), t.TempDir()
	if _, err := jobs.Backfill(ctx, cfg, clean, jobs.BackfillInput{Files: []string{input}}); err != nil {
		t.Fatal(err)
	}
	// A file where partition 2's window_bars folder should be.
	blocker := filepath.Join(out, "parquet", "window_bars", "partition=2")
	if err := os.MkdirAll(filepath.Dir(blocker), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blocker, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := jobs.Backfill(ctx, cfg, out, jobs.BackfillInput{Files: []string{input}})
	if err == nil || !strings.Contains(err.Error(), "partition=2") {
		t.Fatalf("backfill with an unwritable folder: err = %v, want an error naming it", err)
	}
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Backfill(ctx, cfg, out, jobs.BackfillInput{Files: []string{input}}); err != nil {
		t.Fatal(err)
	}
	equalTables(t, tables(t, clean), tables(t, out))
}
