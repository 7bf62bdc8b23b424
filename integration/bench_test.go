//go:build integration

package integration

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestBenchTable runs `pricewatch bench` on a small workload against the
// broker and checks that it prints every row of its table with a value of
// the right form: what `make bench` runs on a fresh clone, at a size a test
// can afford (the figures themselves are not checked, only that each part
// measured something).
func TestBenchTable(t *testing.T) {
	dir := t.TempDir()
	out := pricewatch(t, "bench", "--dir", dir, "--instruments", "100", "--events", "100000",
		"--rate", "5000", "--brokers", strings.Join(brokers, ","))
	rows := map[string]string{} // measure -> value
	for _, line := range strings.Split(out, "\n") {
		if name, value, ok := splitBenchRow(line); ok {
			rows[name] = value
		}
	}
	positive := `^[0-9]+(\.[0-9]+)?`
	want := []struct{ name, value string }{
		{"workload", `^100109 events$`},
		{"backfill end to end", positive + ` (k|M) events/s$`},
		{"peak memory (backfill)", `^[1-9][0-9]* MiB$`},
		// RSS is sampled every 100 ms: a short run may have no sample.
		{"memory over the backfill", `^[0-9]+ MiB / [0-9]+ MiB / [0-9]+ MiB / [0-9]+ MiB$`},
		{"state per instrument", `^[1-9][0-9]* B$`},
		{"DuckDB: same 1-minute bars from the JSONL", positive + `(µs|ms|s)$`},
		{"ratio pricewatch / DuckDB", positive + `$`},
		{"backfill, default job", positive + ` (k|M) events/s$`},
		{"ratio pricewatch / DuckDB, default job", positive + `$`},
		{"backfill, bars only", positive + ` (k|M) events/s$`},
		{"ratio pricewatch / DuckDB, bars only", positive + `$`},
		{"produce to the real broker", positive + ` (k|M) events/s$`},
		{"run --exit-at-end through the real broker", positive + ` (k|M) events/s$`},
		{"ingest-to-alert latency p50", positive + `(µs|ms|s)$`},
		{"ingest-to-alert latency p99", positive + `(µs|ms|s)$`},
	}
	for _, w := range want {
		v, ok := rows[w.name]
		if !ok {
			t.Errorf("no row %q in:\n%s", w.name, out)
			continue
		}
		if !regexp.MustCompile(w.value).MatchString(v) {
			t.Errorf("row %q: value %q, want one matching %s", w.name, v, w.value)
		}
		if strings.HasPrefix(w.name, "ratio") {
			if r, err := strconv.ParseFloat(v, 64); err != nil || r <= 0 {
				t.Errorf("row %q: ratio %q is not a positive number", w.name, v)
			}
		}
	}
	if len(rows) != len(want) {
		t.Errorf("%d rows, want %d:\n%s", len(rows), len(want), out)
	}
	if !regexp.MustCompile(`at 5 k events/s, [1-9][0-9]* alerts`).MatchString(out) {
		t.Errorf("the latency run measured no alert:\n%s", out)
	}
}

// splitBenchRow splits a line of the bench table into its measure and value
// (the columns are separated by two spaces or more); the header and the
// machine line are not rows.
func splitBenchRow(line string) (name, value string, ok bool) {
	cols := regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1)
	if len(cols) < 2 || cols[0] == "measure" {
		return "", "", false
	}
	return cols[0], cols[1], true
}
