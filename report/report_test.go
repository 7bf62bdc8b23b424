package report

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"pricewatch/duckdb"
	"pricewatch/schemas"
)

func write(t *testing.T, o Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(context.Background(), fixture(t), &b, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// pageJSON returns the data the page draws.
func pageJSON(t *testing.T, page string) data {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="report-data">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no report-data script in the page")
	}
	var d data
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatalf("report-data: %v", err)
	}
	return d
}

func TestWriteEmbedsLibraryAndData(t *testing.T) {
	page := write(t, Options{})
	for _, want := range []string{
		"<!DOCTYPE html>",
		`t.version="` + EChartsVersion + `"`, // the library itself
		`<title>pricewatch report</title>`,
		`id="chart-hourly"`, `id="chart-price-0"`, `id="chart-price-2"`, `id="chart-history-1"`,
		"Instrument 005930", "삼성전자",
		"price 74,100 is 4.2% above previous 71,100; threshold 5%",
		html.EscapeString(evilReason), // in the anomaly table, as text
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(strings.ToLower(echartsJS), "</script") {
		t.Error("the library contains </script: it cannot be inlined")
	}
	// Offline: nothing is loaded from elsewhere.
	for _, bad := range []string{`src="http`, `href="http`, `src="//`, `<link`, "<script src"} {
		if strings.Contains(page, bad) {
			t.Errorf("page has %q: it must not load anything", bad)
		}
	}
	if strings.Contains(page, `<script>alert("x")</script>`) {
		t.Error("a reason was written into the page as HTML")
	}
	if n := strings.Count(page, "</script>"); n != 4 {
		t.Errorf("page has %d </script> tags, want 4 (error hook, library, data, script)", n)
	}
	if strings.Contains(page, time.Now().UTC().Format("2006-01-02")) {
		t.Error("page carries today's date without Options.Generated")
	}
}

func TestWriteData(t *testing.T) {
	d := pageJSON(t, write(t, Options{}))
	var ids []string
	for _, in := range d.Instr {
		ids = append(ids, in.ID)
	}
	// By anomaly count, then (no anomalies) by bars.
	if want := []string{"005930", "000660", "035420"}; !slices.Equal(ids, want) {
		t.Errorf("instruments %v, want %v", ids, want)
	}
	if d.Window != (windowChoice{Kind: "tumbling", LengthMs: 60000}) {
		t.Errorf("window %+v, want the 1m tumbling windows", d.Window)
	}
	if !slices.Equal(d.Detectors, []string{"invalid", "jump", "limit_band", "sequence", "zscore"}) {
		t.Errorf("detectors %v", d.Detectors)
	}
	start := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC).UnixMilli()
	if d.Range != [2]int64{start, start + 4*3600_000} {
		t.Errorf("range %v, want the four hours of bars", d.Range)
	}
	in := d.Instr[0]
	if len(in.Bars) != 240 {
		t.Fatalf("005930 has %d bars, want 240 (one per window, final revision)", len(in.Bars))
	}
	rev := in.Bars[100] // 01:40, revised
	if got := rev[5].(float64); got != 71000+10*math.Round(30*math.Sin(100/15.0)+8*math.Cos(100/4.0))+100+3000 {
		t.Errorf("revised window close %v: the report did not take the last revision", got)
	}
	if len(in.Marks) != 5 || in.Marks[0].Detector != "jump" || in.Marks[1].Detector != "zscore" {
		t.Errorf("005930 anomalies %+v", in.Marks)
	}
	if y := in.Marks[0].Y; y == nil || *y != 74100 {
		t.Errorf("price anomaly drawn at %v, want its observed price", y)
	}
	seq := d.Instr[1].Marks[0]
	if seq.Detector != "sequence" || seq.Y == nil || float64(*seq.Y) != d.Instr[1].Bars[20][5].(float64) {
		t.Errorf("seq anomaly %+v: want it drawn at the close of its window", seq)
	}
	var attrs []string
	for _, h := range in.History {
		attrs = append(attrs, h.Attribute)
	}
	if !slices.Equal(attrs, []string{"base_price", "kr_short_name", "par_value"}) || len(in.History[0].Intervals) != 2 ||
		!in.History[0].Numeric || in.History[1].Numeric || in.History[2].Intervals[1].Op != "correct" {
		t.Errorf("005930 history %+v", in.History)
	}
	if len(d.Instr[2].History) != 0 || len(d.Instr[2].Marks) != 0 {
		t.Errorf("035420: %+v", d.Instr[2])
	}
	if len(d.Hourly) == 0 || d.Hourly[0] != [3]any{float64(start), "sequence", float64(1)} {
		t.Errorf("hourly %v", d.Hourly)
	}
}

func TestWriteOptions(t *testing.T) {
	gen := time.Date(2026, 1, 16, 7, 0, 0, 0, time.UTC)
	page := write(t, Options{Instruments: []string{"000660", "000660"}, Title: "Session <1>", Generated: gen})
	d := pageJSON(t, page)
	if len(d.Instr) != 1 || d.Instr[0].ID != "000660" {
		t.Errorf("instruments %+v, want 000660 once", d.Instr)
	}
	for _, want := range []string{"<title>Session &lt;1&gt;</title>", "Generated 2026-01-16 07:00:00 UTC."} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	top := pageJSON(t, write(t, Options{TopN: 1}))
	if len(top.Instr) != 1 || top.Instr[0].ID != "005930" {
		t.Errorf("TopN 1: %+v", top.Instr)
	}
}

func TestWriteUnknownInstrument(t *testing.T) {
	err := Write(context.Background(), fixture(t), new(bytes.Buffer), Options{Instruments: []string{"nope"}})
	if err == nil || !strings.Contains(err.Error(), `instrument "nope" has no rows`) {
		t.Errorf("err = %v", err)
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	db := fixture(t)
	var a, b bytes.Buffer
	if err := Write(context.Background(), db, &a, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Write(context.Background(), db, &b, Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two reports of the same outputs differ")
	}
}

func TestFormatNum(t *testing.T) {
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {71200, "71,200"}, {-1234567.5, "-1,234,567.5"}, {0.05, "0.05"}, {1.0000001, "1"},
		{999, "999"}, {1000, "1,000"}, {math.Inf(1), "+Inf"}, {math.NaN(), "NaN"},
	} {
		if got := formatNum(num(tt.in)); got != tt.want {
			t.Errorf("formatNum(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNumJSON(t *testing.T) {
	b, err := json.Marshal([]num{1.5, num(math.NaN()), num(math.Inf(-1)), 1e21})
	if err != nil || string(b) != "[1.5,null,null,1e+21]" {
		t.Errorf("got %s, %v", b, err)
	}
}

func TestWriteEmptyOutputs(t *testing.T) {
	path := filepath.Join(t.TempDir(), duckdb.FileName)
	s, err := duckdb.Open(path, schemas.Tables, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := duckdb.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b bytes.Buffer
	if err := Write(context.Background(), db, &b, Options{}); err != nil {
		t.Fatal(err)
	}
	d := pageJSON(t, b.String())
	if len(d.Instr) != 0 || len(d.Hourly) != 0 || d.Range[1] <= d.Range[0] {
		t.Errorf("empty outputs: %+v", d)
	}
	if !strings.Contains(b.String(), "no anomalies") {
		t.Error("the page does not say there are no anomalies")
	}
}
