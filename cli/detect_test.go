package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// detect runs `pricewatch detect` with args and returns its output, its
// standard error and exit code.
func detect(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(append([]string{"detect"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDetectCSVJump(t *testing.T) {
	in := write(t, "s.csv", `timestamp,value
2024-03-01 09:30:00,100
2024-03-01 09:30:01,101
2024-03-01 09:30:02,
2024-03-01 09:30:03,100
2024-03-01 09:30:04,110
2024-03-01 09:30:05,104.5
`)
	out, stderr, code := detect(t, "--input", in, "--detector", "jump")
	// +1% is 0.2 of the 5% threshold: 0.04/1.04; the empty value is a null
	// and clears the previous value; +10% is twice the threshold: 0.8;
	// -5% is at it: 0.5.
	want := `timestamp,value,anomaly_score
2024-03-01 09:30:00,100,0.000000
2024-03-01 09:30:01,101,0.038462
2024-03-01 09:30:02,,0.000000
2024-03-01 09:30:03,100,0.000000
2024-03-01 09:30:04,110,0.800000
2024-03-01 09:30:05,104.5,0.500000
`
	if code != 0 || out != want {
		t.Errorf("exit %d, stderr %s\ngot\n%s\nwant\n%s", code, stderr, out, want)
	}
}

// TestDetectEnsemble scores a series that crosses zero (differences, the
// default for CSV) with the ensemble of a config's detectors; the first
// column is labels, so row i is at i seconds.
func TestDetectEnsemble(t *testing.T) {
	cfg := write(t, "job.yaml", `
detectors:
  zscore: {window: 10, min_events: 4, threshold: 4}
  ewma: {enabled: true, warmup: 4, alpha: 0.2}
`)
	in := write(t, "s.csv", `t,v,other
a,0,x
b,1,x
c,-1,x
d,0,x
e,1,x
f,-1,x
g,0.5,x
h,9,x
i,-0.5,x
j,0,x
`)
	out, stderr, code := detect(t, "--input", in, "--time-col", "t", "--value-col", "v", "--config", cfg, "--change", "diff", "--output", "-")
	// Nothing is scored in the warm-ups (4 changes; 30 for cusum,
	// page_hinkley and mad, which score nothing here); the jump of +8.5 is
	// 1.3 times zscore's threshold of 4 sd (score 0.63), the -9.5 back 0.77
	// of it (0.37); ewma scores less.
	want := `timestamp,value,anomaly_score
a,0,0.000000
b,1,0.000000
c,-1,0.000000
d,0,0.000000
e,1,0.000000
f,-1,0.123288
g,0.5,0.062703
h,9,0.626312
i,-0.5,0.371104
j,0,0.000787
`
	if code != 0 || out != want {
		t.Errorf("exit %d, stderr %s\ngot\n%s\nwant\n%s", code, stderr, out, want)
	}
}

func TestDetectJSONL(t *testing.T) {
	in := write(t, "e.jsonl", `{"instrument_id":"A","event_time":"2024-03-01T09:30:00Z","seq":1,"price":100,"base_price":100}
{"instrument_id":"A","event_time":"2024-03-01T09:30:01Z","seq":2,"price":100.5}
not json
{"instrument_id":"B","event_time":1709285402000,"seq":1,"price":50}
{"instrument_id":"A","event_time":"2024-03-01T09:30:03Z","seq":4,"price":140}

{"instrument_id":"A","event_time":"2024-03-01T09:30:04Z","seq":5,"volume":3}
`)
	out, stderr, code := detect(t, "--input", in)
	// 100.5 is +0.5%, 0.1 of jump's threshold. 140 is +39%, 7.9 times
	// jump's threshold (it is also out of the ±30% band, and seq 4 after 2
	// is a gap, which score less). The line that is not an event scores 0;
	// the event without a price is a row with no value.
	want := `timestamp,value,anomaly_score
2024-03-01T09:30:00Z,100,0.000000
2024-03-01T09:30:01Z,100.5,0.009901
,,0.000000
1709285402000,50,0.000000
2024-03-01T09:30:03Z,140,0.984074
2024-03-01T09:30:04Z,,0.000000
`
	if code != 0 || out != want {
		t.Errorf("exit %d, stderr %s\ngot\n%s\nwant\n%s", code, stderr, out, want)
	}
	if !strings.Contains(stderr, "1 lines are not valid events") {
		t.Errorf("stderr %q", stderr)
	}
}

func TestDetectErrors(t *testing.T) {
	csv := write(t, "s.csv", "timestamp,value\n2024-03-01,1\nlater,2\n")
	for _, tc := range []struct {
		args []string
		want string
		code int
	}{
		{nil, "--input is required", 2},
		{[]string{"--input", csv, "--detector", "nope"}, `--detector "nope"`, 2},
		{[]string{"--input", csv, "--change", "pct"}, `--change "pct"`, 2},
		{[]string{"--input", csv, "--value-col", "price"}, `no column "price"`, 1},
		{[]string{"--input", csv}, `line 3: timestamp "later" is not a time`, 1},
		{[]string{"--input", write(t, "v.csv", "timestamp,value\n1,abc\n")}, `line 2: value "abc": not a number`, 1},
		{[]string{"--input", write(t, "e.csv", "")}, "want a header row", 1},
	} {
		_, stderr, code := detect(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

func TestParseSeriesTime(t *testing.T) {
	for s, want := range map[string]int64{
		"2024-03-01T09:30:00Z":          1709285400000000,
		"2024-03-01T18:30:00+09:00":     1709285400000000,
		"2024-03-01 09:30:00":           1709285400000000,
		"2024-03-01 09:30:00.25":        1709285400250000,
		"2024-03-01T09:30":              1709285400000000,
		"2024-03-01":                    1709251200000000,
		"1709285400":                    1709285400000000,
		"1709285400.5":                  1709285400500000,
		"1709285400000":                 1709285400000000,
		"1709285400000000":              1709285400000000,
		"1709285400000000000":           1709285400000000,
		" 2024-03-01 09:30:00.000001Z ": 1709285400000001,
	} {
		if got, ok := parseSeriesTime(s); !ok || got != want {
			t.Errorf("parseSeriesTime(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "row 1", "2024-13-01", "NaN", "1e300"} {
		if _, ok := parseSeriesTime(s); ok {
			t.Errorf("parseSeriesTime(%q) parsed", s)
		}
	}
}
