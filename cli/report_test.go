package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pricewatch/duckdb"
	"pricewatch/schemas"
)

// reportOutputs creates an output folder with a few rows of two instruments.
func reportOutputs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s, err := duckdb.Open(filepath.Join(dir, duckdb.FileName), schemas.Tables, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{
		`window_bars BY NAME
		SELECT id AS instrument_id, 'price' AS attribute, 'tumbling' AS window_kind,
			TIMESTAMP '2026-01-15 00:00:00' + to_minutes(i) AS window_start, TIMESTAMP '2026-01-15 00:01:00' + to_minutes(i) AS window_end,
			p AS open, p + 10 AS high, p - 10 AS low, p AS close, 5 AS count, 5 * p AS sum, p AS mean, 0 AS variance,
			50 AS volume, p AS vwap, TIMESTAMP '2026-01-15 00:00:00' + to_minutes(i) AS first_time,
			TIMESTAMP '2026-01-15 00:00:30' + to_minutes(i) AS last_time, 0 AS late_updates, 0 AS revision, false AS early,
			0 AS src_partition, i AS src_offset
		FROM (SELECT id, i, base + 10 * (i % 7) AS p FROM (VALUES ('005930', 71000), ('000660', 131000)) v(id, base), range(0, 30) r(i))`,
		`anomalies VALUES ('000660', TIMESTAMP '2026-01-15 00:10:00', 'jump', 'price', 140000, 131000, 0.05, 0.9,
			'price 140,000 is 6.9% above previous 131,000; threshold 5%', 0, 10)`,
		`attr_history VALUES ('000660', 'base_price', 131000, NULL, TIMESTAMP '2026-01-14 23:59:59', NULL, 'upsert', 1, 0, 0, 0)`,
	} {
		name, insert, _ := strings.Cut(q, " ")
		i := slices.IndexFunc(schemas.Tables, func(t *schemas.Table) bool { return t.Name == name })
		if err := s.AppendRows(context.Background(), schemas.Tables[i], insert); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	return dir
}

func TestReportCommand(t *testing.T) {
	dir := reportOutputs(t)
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"report", "--out", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	path := filepath.Join(dir, "report.html")
	if got := stdout.String(); got != path+"\n" {
		t.Errorf("stdout %q, want the report's path", got)
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", "Instrument 000660", "Instrument 005930", "price 140,000 is 6.9% above"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Index(string(page), "Instrument 000660") > strings.Index(string(page), "Instrument 005930") {
		t.Error("the instrument with anomalies does not come first")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".report.html.*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Chosen instruments, to a chosen file.
	stdout.Reset()
	file := filepath.Join(t.TempDir(), "one.html")
	if code := Main([]string{"report", "--out", dir, "--instrument", "005930", "--file", file}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	page, err = os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if stdout.String() != file+"\n" || !bytes.Contains(page, []byte("Instrument 005930")) || bytes.Contains(page, []byte("Instrument 000660")) {
		t.Errorf("--instrument 005930 --file: stdout %q, page has the wrong instruments", stdout.String())
	}
}

func TestReportCommandErrors(t *testing.T) {
	dir := reportOutputs(t)
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"report", "--out", dir, "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"report", "--out", dir, "--instrument", "nope"}, 1, `instrument "nope" has no rows`},
		{[]string{"report", "--out", filepath.Join(dir, "missing")}, 1, "cannot open"},
	} {
		var stdout, stderr bytes.Buffer
		if code := Main(tt.args, &stdout, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr.String(), tt.code, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "report.html")); !os.IsNotExist(err) {
		t.Errorf("a failed report left a file: %v", err)
	}
}
