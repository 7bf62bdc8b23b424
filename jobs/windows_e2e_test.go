package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"pricewatch/conf"
	"pricewatch/gen"
	"pricewatch/jobs"
	"pricewatch/windows"
)

// TestRunEqualsBackfillAllWindows: every window kind, allowed lateness and
// early rows, and ticks up to 5s out of order (some within the lateness,
// some beyond), through kfake (3 partitions, many epochs) and through a
// backfill of the same file: identical rows in every table, and rows of every
// kind, early and revised ones among them, and late events.
func TestRunEqualsBackfillAllWindows(t *testing.T) {
	s := gen.DefaultSpec()
	s.Instruments, s.Events, s.PlantEvery, s.Jitter = 40, 12000, 5, 5*time.Second
	input, _ := genFile(t, s)
	cfg := jobs.DefaultConfig()
	cfg.Source.Partitions = 3
	cfg.Epoch.Records = 700
	w := &cfg.Windows
	w.OutOfOrderness = conf.Duration(time.Second)
	w.AllowedLateness = conf.Duration(2 * time.Second)
	w.EarlyInterval = conf.Duration(20 * time.Second)
	w.Tumbling = []conf.Duration{conf.Duration(time.Minute)}
	w.Hopping = []windows.HopSpec{{Size: conf.Duration(5 * time.Minute), Slide: conf.Duration(time.Minute)}}
	w.Session = []windows.SessionSpec{{Gap: conf.Duration(30 * time.Second)}}
	runOut, fileOut := t.TempDir(), t.TempDir()
	runKfake(t, cfg, 3, runOut, input)
	if _, err := jobs.Backfill(context.Background(), cfg, fileOut, jobs.BackfillInput{Files: []string{input}}); err != nil {
		t.Fatal(err)
	}
	got := tables(t, runOut)
	equalTables(t, got, tables(t, fileOut))
	kinds := map[string]int{}
	for _, r := range got["window_bars"] {
		f := strings.Split(r, " | ")
		kinds[strings.Fields(f[2])[0]]++
		if f[19] == "true" {
			kinds["early"]++
		}
		if f[18] != "0" {
			kinds["revised"]++
		}
	}
	for _, k := range []string{"tumbling", "hopping", "session", "early", "revised"} {
		if kinds[k] == 0 {
			t.Errorf("no %s rows among %d window_bars (%v)", k, len(got["window_bars"]), kinds)
		}
	}
	if len(got["late_events"]) == 0 {
		t.Error("no late_events")
	}
	t.Logf("window_bars by kind: %v, late_events %d", kinds, len(got["late_events"]))
}
