package cli

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"pricewatch/detectors"
	"pricewatch/jobs"
	"pricewatch/schemas"
	"pricewatch/windows"
)

const detectHelp = `Scores every row of a series online, in one pass, with no look-ahead, and
writes timestamp,value,anomaly_score (one row per input row, the timestamp
and value echoed as in the input, the score in [0,1] with 6 decimals).

Input (--format, or from the file name: .jsonl/.ndjson[.gz] is JSONL):
  csv    a header row, then rows; --time-col and --value-col name the
         columns (default timestamp, value), --id-col optionally names a
         series id column (default: one series). Times may be RFC 3339 (the
         T may be a space, the zone may be left out: UTC), a date, or a
         number: epoch seconds below 1e11, milliseconds below 1e14,
         microseconds below 1e17, else nanoseconds. When the first row's time
         does not parse, the column is taken as labels and row i is at i
         seconds. A value that is empty, NA, NaN or null is a null.
  jsonl  pricewatch input events; the score is for the attribute named by
         --value-col (default price); every line is a row, with event_time
         and the attribute echoed (empty when absent). Lines that are not
         valid events (a lane's dead letters) score 0.

The score is the calibrated score of the chosen detector (--detector, default
ensemble): r²/(1+r²) for its measure r over its threshold, so 0.5 exactly at
the detector's threshold, higher past it. Window-level detectors (burst,
cross_section) and stale score the row whose processing revealed the finding
(for another series: that series' next row). Detectors read one attribute:
the value column. Without --config, detect runs the defaults with ewma,
cusum, page_hinkley and mad on too. --change diff (the default for CSV
without --config) scores differences instead of log returns, so that values
may be zero or negative, and leaves out jump, invalid and limit_band, which
need prices, unless named by --detector.
`

// detectDefaults returns the detectors detect runs without --config.
func detectDefaults() detectors.Config {
	c := detectors.DefaultConfig()
	c.EWMA.Enabled = true
	c.CUSUM.Enabled = true
	c.PageHinkley.Enabled = true
	c.MAD.Enabled = true
	return c
}

// eventDetectors are the detectors whose score comes from Set.Scorer;
// rowDetectors score through their rows.
var (
	eventDetectors = []string{"jump", "zscore", "limit_band", "sequence", "invalid", "ewma", "cusum", "page_hinkley", "mad"}
	rowDetectors   = []string{"stale", "burst", "cross_section"}
)

func runDetect(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "detect")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: pricewatch detect --input FILE [flags]\n\n")
		fmt.Fprint(fs.Output(), detectHelp)
		fmt.Fprintln(fs.Output(), "\nFlags:")
		fs.PrintDefaults()
	}
	input := fs.String("input", "", "input series: CSV or JSONL, plain or gzip (required; - for standard input)")
	format := fs.String("format", "", "csv or jsonl (default: from the file name; csv for standard input)")
	timeCol := fs.String("time-col", "timestamp", "CSV time column")
	valueCol := fs.String("value-col", "", "CSV value column (default value), or JSONL attribute (default price)")
	idCol := fs.String("id-col", "", "CSV series id column (default: the whole file is one series)")
	name := fs.String("detector", "ensemble", "detector whose score is written: ensemble, "+strings.Join(eventDetectors, ", ")+", "+strings.Join(rowDetectors, ", "))
	change := fs.String("change", "", "log or diff: what return-based detectors score (default: diff for CSV, log for JSONL)")
	config := fs.String("config", "", "job config file whose detectors (and windows) sections to use (default: detect's defaults)")
	output := fs.String("output", "-", "output CSV file (- for standard output)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *input == "" {
		return usagef("--input is required")
	}
	if *format == "" {
		*format = "csv"
		base := strings.TrimSuffix(strings.ToLower(*input), ".gz")
		if strings.HasSuffix(base, ".jsonl") || strings.HasSuffix(base, ".ndjson") || strings.HasSuffix(base, ".json") {
			*format = "jsonl"
		}
	}
	if *format != "csv" && *format != "jsonl" {
		return usagef("--format %q: want csv or jsonl", *format)
	}
	if *valueCol == "" {
		*valueCol = map[string]string{"csv": "value", "jsonl": "price"}[*format]
	}
	if *change == "" && *config == "" {
		*change = map[string]string{"csv": "diff", "jsonl": "log"}[*format]
	}
	if *change != "" && *change != "log" && *change != "diff" {
		return usagef("--change %q: want log or diff", *change)
	}
	if !slicesContains(eventDetectors, *name) && !slicesContains(rowDetectors, *name) && *name != "ensemble" {
		return usagef("--detector %q: want ensemble, %s or %s", *name, strings.Join(eventDetectors, ", "), strings.Join(rowDetectors, ", "))
	}

	dc, spec := detectDefaults(), windows.DefaultSpec()
	if *config != "" {
		jc, err := jobs.LoadConfig(*config)
		if err != nil {
			return err
		}
		dc, spec = jc.Detectors, jc.Windows
	}
	dc = scoreAttribute(dc, *valueCol, *change, *name)
	spec.Attributes = []string{*valueCol}
	if *format == "csv" {
		spec.VolumeAttribute = ""
	}
	sc, err := newSeriesScorer(dc, spec, *name)
	if err != nil {
		return err
	}

	in, closeIn, err := openInput(*input)
	if err != nil {
		return err
	}
	defer closeIn()
	var w io.Writer = e.stdout
	if *output != "-" {
		f, err := os.Create(*output)
		if err != nil {
			return fmt.Errorf("cannot create %q: %w", *output, err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	out := csv.NewWriter(bw)
	if err := out.Write([]string{"timestamp", "value", "anomaly_score"}); err != nil {
		return err
	}
	emit := func(ts, value string, score float64) error {
		return out.Write([]string{ts, value, strconv.FormatFloat(score, 'f', 6, 64)})
	}
	var rows int
	if *format == "csv" {
		rows, err = detectCSV(in, *timeCol, *valueCol, *idCol, sc, emit)
	} else {
		rows, err = detectJSONL(in, *valueCol, sc, emit)
	}
	if err != nil {
		return err
	}
	out.Flush()
	if err := out.Error(); err != nil {
		return fmt.Errorf("cannot write %q: %w", *output, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cannot write %q: %w", *output, err)
	}
	if sc.undecoded > 0 {
		fmt.Fprintf(e.stderr, "detect: %d lines are not valid events (a lane would send them to dead_letters); scored 0\n", sc.undecoded)
	}
	if sc.skipped > 0 {
		fmt.Fprintf(e.stderr, "detect: %d rows not admitted by the window engine scored 0\n", sc.skipped)
	}
	fmt.Fprintf(e.stderr, "detect: scored %d rows with %s\n", rows, *name)
	return nil
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// scoreAttribute points every detector at the one attribute scored, sets
// the change mode when given (diff leaves out jump, invalid and limit_band),
// and turns the chosen detector on.
func scoreAttribute(c detectors.Config, attr, change, name string) detectors.Config {
	set := func(p *detectors.Params) {
		for _, l := range []*[]string{
			&p.Jump.Attributes, &p.ZScore.Attributes, &p.LimitBand.Attributes, &p.Invalid.Attributes,
			&p.EWMA.Attributes, &p.CUSUM.Attributes, &p.PageHinkley.Attributes, &p.MAD.Attributes,
			&p.Burst.Attributes, &p.CrossSection.Attributes,
		} {
			*l = []string{attr}
		}
		if change != "" {
			for _, ch := range []*string{&p.ZScore.Change, &p.EWMA.Change, &p.CUSUM.Change, &p.PageHinkley.Change, &p.MAD.Change} {
				*ch = change
			}
		}
		if change == "diff" { // they need positive prices
			p.Jump.Enabled, p.Invalid.Enabled, p.LimitBand.Enabled = false, false, false
		}
		on := map[string]*bool{
			"jump": &p.Jump.Enabled, "zscore": &p.ZScore.Enabled, "limit_band": &p.LimitBand.Enabled,
			"sequence": &p.Sequence.Enabled, "invalid": &p.Invalid.Enabled, "ewma": &p.EWMA.Enabled,
			"cusum": &p.CUSUM.Enabled, "page_hinkley": &p.PageHinkley.Enabled, "mad": &p.MAD.Enabled,
			"stale": &p.Stale.Enabled, "burst": &p.Burst.Enabled, "cross_section": &p.CrossSection.Enabled,
		}
		if b, ok := on[name]; ok {
			*b = true
		}
	}
	set(&c.Params)
	for i := range c.Groups {
		set(&c.Groups[i].Params)
	}
	return c
}

// seriesScorer runs events through a window engine and a detector Set the
// way a lane does, and gives each event its score.
type seriesScorer struct {
	set       *detectors.Set
	win       *windows.Engine
	wout      windows.Output
	score     func() float64 // nil for a row-scored detector
	byRows    map[string]bool
	rows      []schemas.Anomaly
	pending   map[string]float64 // row scores waiting for their series' next row
	skipped   int                // rows the window engine did not admit
	undecoded int                // JSONL lines that are not valid events
}

func newSeriesScorer(c detectors.Config, spec windows.Spec, name string) (*seriesScorer, error) {
	set, err := detectors.NewSet(c)
	if err != nil {
		return nil, err
	}
	win, err := windows.NewEngine(spec)
	if err != nil {
		return nil, err
	}
	s := &seriesScorer{set: set, win: win, byRows: map[string]bool{}, pending: map[string]float64{}}
	if slicesContains(rowDetectors, name) {
		s.byRows[name] = true
		return s, nil
	}
	if s.score, err = set.Scorer(name); err != nil {
		return nil, err
	}
	if name == "ensemble" { // window-level findings count when enabled
		for _, n := range set.Detectors() {
			if slicesContains(rowDetectors, n) {
				s.byRows[n] = true
			}
		}
	}
	return s, nil
}

// observe scores one event, as a lane would process it.
func (s *seriesScorer) observe(ev *schemas.Event) float64 {
	if ok, _ := s.win.Admit(ev); !ok {
		s.skipped++
		return 0
	}
	s.win.Process(ev, &s.wout)
	s.rows = s.set.Observe(ev, s.win.Watermark(), s.rows[:0])
	score := 0.0
	if s.score != nil {
		score = s.score()
	}
	for i := range s.wout.Bars {
		s.rows = s.set.ObserveBar(&s.wout.Bars[i], s.rows)
	}
	s.rows = s.set.FlushBars(s.rows)
	s.wout.Reset()
	for _, a := range s.rows {
		if !s.byRows[a.Detector] {
			continue
		}
		v := detectors.Calibrate(1 / max(1-a.Score, 0))
		if a.InstrumentID == ev.InstrumentID {
			score = max(score, v)
		} else {
			s.pending[a.InstrumentID] = max(s.pending[a.InstrumentID], v)
		}
	}
	if v, ok := s.pending[ev.InstrumentID]; ok {
		score = max(score, v)
		delete(s.pending, ev.InstrumentID)
	}
	return score
}

func openInput(path string) (io.Reader, func(), error) {
	var r io.Reader
	closeFn := func() {}
	if path == "-" {
		r = bufio.NewReaderSize(stdin, 1<<16)
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot open %q: %w", path, err)
		}
		closeFn = func() { f.Close() }
		r = bufio.NewReaderSize(f, 1<<16)
	}
	br := r.(*bufio.Reader)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			closeFn()
			return nil, nil, fmt.Errorf("cannot read %q: %w", path, err)
		}
		return zr, closeFn, nil
	}
	return br, closeFn, nil
}

// stdin is the standard input, a variable for tests.
var stdin io.Reader = os.Stdin

func detectCSV(in io.Reader, timeCol, valueCol, idCol string, sc *seriesScorer, emit func(ts, value string, score float64) error) (int, error) {
	r := csv.NewReader(in)
	r.ReuseRecord = true
	head, err := r.Read()
	if err == io.EOF {
		return 0, fmt.Errorf("the input is empty; want a header row")
	}
	if err != nil {
		return 0, fmt.Errorf("header: %w", err)
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	col := func(name string) (int, error) {
		for i, h := range head {
			if strings.TrimSpace(h) == name {
				return i, nil
			}
		}
		return -1, fmt.Errorf("no column %q in the header %q", name, strings.Join(head, ","))
	}
	ti, err := col(timeCol)
	if err != nil {
		return 0, err
	}
	vi, err := col(valueCol)
	if err != nil {
		return 0, err
	}
	ii := -1
	if idCol != "" {
		if ii, err = col(idCol); err != nil {
			return 0, err
		}
	}
	ev := schemas.Event{InstrumentID: "series", Attrs: make([]schemas.Attr, 1)}
	ev.Attrs[0].Name = valueCol
	labels := false
	for n := 0; ; n++ {
		rec, err := r.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		line, _ := r.FieldPos(0)
		ts, val := rec[ti], rec[vi]
		t, ok := parseSeriesTime(ts)
		switch {
		case n == 0 && !ok:
			labels = true
		case !labels && !ok:
			return n, fmt.Errorf("line %d: %s %q is not a time (the first row's was)", line, timeCol, ts)
		}
		if labels {
			t = int64(n) * 1_000_000
		}
		if ii >= 0 {
			ev.InstrumentID = rec[ii]
		}
		ev.EventTime, ev.Offset = t, int64(n)
		v, err := parseSeriesValue(val)
		if err != nil {
			return n, fmt.Errorf("line %d: %s %q: %v", line, valueCol, val, err)
		}
		ev.Attrs[0].Value = v
		if err := emit(ts, val, sc.observe(&ev)); err != nil {
			return n, err
		}
	}
}

// parseSeriesTime parses a CSV time (see detectHelp) to µs since the epoch.
func parseSeriesTime(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil && finiteNum(v) {
		a := math.Abs(v)
		switch {
		case a < 1e11:
			v *= 1e6
		case a < 1e14:
			v *= 1e3
		case a < 1e17:
		default:
			v /= 1e3
		}
		if math.Abs(v) > 9e18 {
			return 0, false
		}
		return int64(math.Round(v)), true
	}
	for _, layout := range []string{
		time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04Z07:00", "2006-01-02 15:04Z07:00", "2006-01-02T15:04", "2006-01-02 15:04",
		"2006-01-02",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMicro(), true
		}
	}
	return 0, false
}

func finiteNum(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// parseSeriesValue parses a CSV value: a number, or a null when empty, NA,
// NaN or null.
func parseSeriesValue(s string) (schemas.Value, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "na", "nan", "null":
		return schemas.Value{}, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return schemas.Value{}, errors.New("not a number")
	}
	return schemas.Value{Kind: schemas.KindNumber, Num: v}, nil
}

func detectJSONL(in io.Reader, attr string, sc *seriesScorer, emit func(ts, value string, score float64) error) (int, error) {
	dec := schemas.NewDecoder()
	br := bufio.NewReaderSize(in, 1<<16)
	var ev schemas.Event
	n := 0
	for line := 1; ; line++ {
		raw, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(raw)) > 0 {
			raw = bytes.TrimRight(raw, "\r\n")
			ev.Offset = int64(n)
			var fields map[string]json.RawMessage
			_ = json.Unmarshal(raw, &fields) // best effort, for the echo
			score := 0.0
			if derr := dec.Decode(raw, &ev); derr != nil {
				sc.undecoded++ // the lane would send it to dead_letters
			} else {
				score = sc.observe(&ev)
			}
			if err := emit(rawText(fields["event_time"]), rawText(fields[attr]), score); err != nil {
				return n, err
			}
			n++
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// rawText returns a JSON value as written, strings unquoted and null or
// absent as "".
func rawText(m json.RawMessage) string {
	if len(m) == 0 || string(m) == "null" {
		return ""
	}
	var s string
	if m[0] == '"' && json.Unmarshal(m, &s) == nil {
		return s
	}
	return string(m)
}
