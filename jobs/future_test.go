package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"pricewatch/conf"
	"pricewatch/jobs"
)

// TestMaxFuture backfills a tick a day ahead of its partition's clock with
// windows.max_future 1h: "reject" sends it to dead_letters with the reason
// and leaves the windows alone; "clamp" moves it to the bound, counts it, and
// its bar lies at the bound.
func TestMaxFuture(t *testing.T) {
	input := filepath.Join(t.TempDir(), "ticks.jsonl")
	lines := []string{
		`{"instrument_id":"A","event_time":"2026-01-15T09:00:10Z","price":100}`,
		`{"instrument_id":"A","event_time":"2026-01-16T09:00:20Z","price":900}`,
		`{"instrument_id":"A","event_time":"2026-01-15T09:00:30Z","price":101}`,
	}
	if err := os.WriteFile(input, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		action  string
		bars    []string
		dead    []string
		late    int
		clamped int64
	}{
		{action: "reject",
			bars: []string{"A | 2026-01-15T09:00:00Z | 2026-01-15T09:01:00Z | 100 | 101 | 2"},
			dead: []string{"0 | 1 | " + strconv.Quote(lines[1]) + " | " +
				"event_time 2026-01-16T09:00:20Z is 24h0m10s ahead of the partition clock; max_future is 1h0m0s"}},
		{action: "clamp", clamped: 1, late: 1,
			// 09:00:30 is late once the clamped tick moved the clock to 10:00:10.
			bars: []string{
				"A | 2026-01-15T09:00:00Z | 2026-01-15T09:01:00Z | 100 | 100 | 1",
				"A | 2026-01-15T10:00:00Z | 2026-01-15T10:01:00Z | 900 | 900 | 1",
			}},
	} {
		t.Run(tt.action, func(t *testing.T) {
			cfg := jobs.DefaultConfig()
			cfg.Source.Partitions = 1
			cfg.Windows.MaxFuture = conf.Duration(time.Hour)
			cfg.Windows.FutureAction = tt.action
			out := t.TempDir()
			st, err := jobs.Backfill(context.Background(), cfg, out, jobs.BackfillInput{Files: []string{input}})
			if err != nil {
				t.Fatal(err)
			}
			if st.Clamped() != tt.clamped {
				t.Errorf("Clamped() = %d, want %d (%s)", st.Clamped(), tt.clamped, st)
			}
			got := tables(t, out)
			var bars []string
			for _, r := range got["window_bars"] {
				f := strings.Split(r, " | ")
				bars = append(bars, strings.Join([]string{f[0], f[3], f[4], f[5], f[8], f[9]}, " | "))
			}
			if !slices.Equal(bars, tt.bars) {
				t.Errorf("window_bars (id, start, end, open, close, count):\n got  %q\n want %q", bars, tt.bars)
			}
			if len(got["late_events"]) != tt.late {
				t.Errorf("late_events: %q, want %d rows", got["late_events"], tt.late)
			}
			for _, r := range got["late_events"] { // the 09:00:30 tick missed the 1-minute window 09:00
				if !strings.HasPrefix(r, "A | price | tumbling | 2026-01-15T09:00:30Z | 101 | 2026-01-15T09:00:00Z | 2026-01-15T09:01:00Z | ") {
					t.Errorf("late_events row %q", r)
				}
			}
			if !slices.Equal(got["dead_letters"], tt.dead) {
				t.Errorf("dead_letters:\n got  %q\n want %q", got["dead_letters"], tt.dead)
			}
		})
	}
}
