package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"pricewatch/gen"
	"pricewatch/jobs"
)

// TestDiff backfills one stream into two folders (equal) and a third with
// another partition count (different), and lists the state changes between
// two hourly snapshots.
func TestDiff(t *testing.T) {
	s := gen.DefaultSpec()
	s.Instruments, s.Events = 60, 30000
	input := filepath.Join(t.TempDir(), "in.jsonl")
	if _, err := gen.WriteFile(input, s); err != nil {
		t.Fatal(err)
	}
	cfg, err := jobs.ParseConfig([]byte("history:\n  tables: [{method: 2}]\n  snapshots: {every: 1h}\n"))
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	for i, d := range dirs {
		c := cfg
		if i == 2 {
			c.Source.Partitions = 3
		}
		if _, err := jobs.Backfill(context.Background(), c, d, jobs.BackfillInput{Files: []string{input}}); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := Main(append([]string{"diff"}, args...), &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := run(dirs[0], dirs[1]); code != 0 || !strings.Contains(out, "the outputs are equal") {
		t.Errorf("diff of equal outputs: exit %d\n%s", code, out)
	}
	if code, out := run(dirs[0], dirs[2], "--table", "anomalies"); code != 1 || !strings.Contains(out, "anomalies") {
		t.Errorf("diff of different outputs: exit %d\n%s", code, out)
	}
	code, out := run("--snapshots", dirs[0], "--from", "2026-01-15T02:00:00Z", "--to", "2026-01-15T05:00:00Z")
	if code != 0 || !strings.Contains(out, "3 changed attributes") || strings.Count(out, "base_price") != 3 {
		t.Errorf("diff --snapshots: exit %d\n%s", code, out)
	}
}
