// Command quality is the detectors' quality benchmark: it generates seeded
// lanes of price events with anomalies of known kinds planted at known
// places (jumps, band breaks, level shifts, drifts, bursts, stale gaps and
// sequence gaps) and clean control lanes, runs every detector (with its
// default settings) and the ensemble the way a lane does (window engine,
// Set.Observe, ObserveBar, FlushBars), and prints markdown tables of
// precision, recall, detection delay and false positives on the control
// lanes.
//
//	go run ./detectors/quality [-planted 12] [-controls 12] [-seed 1]
//
// A finding detects a planted anomaly when it is for the same instrument
// and the event whose processing emitted it has an event time from the
// anomaly's start to 150 s after its end (a one-minute window closes, plus
// the watermark's 2 s, well within that). Precision is the share of a
// detector's findings on the planted lanes that detect some planted
// anomaly, of any kind. Delay is counted in events of the instrument from
// the anomaly's first event (0: flagged on it) and in seconds of event time.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"pricewatch/detectors"
	"pricewatch/schemas"
	"pricewatch/windows"
)

func main() {
	o := defaultOptions()
	flag.IntVar(&o.Planted, "planted", o.Planted, "lanes with planted anomalies")
	flag.IntVar(&o.Controls, "controls", o.Controls, "clean control lanes")
	flag.IntVar(&o.Instruments, "instruments", o.Instruments, "instruments per lane")
	flag.IntVar(&o.Seconds, "seconds", o.Seconds, "session length per lane, seconds")
	flag.Uint64Var(&o.Seed, "seed", o.Seed, "seed of the first lane")
	flag.Var(&o.Set, "set", "override a setting of every variant, as detector.key=value (repeatable), e.g. zscore.threshold=7")
	flag.Parse()
	start := time.Now()
	r := run(o)
	r.write(os.Stdout)
	fmt.Fprintf(os.Stderr, "quality: %d events in %d lanes, %s\n", r.events, o.Planted+o.Controls, time.Since(start).Round(time.Millisecond))
}

// options say what to generate.
type options struct {
	Planted, Controls    int
	Instruments, Seconds int
	Seed                 uint64
	Set                  overrides
}

// overrides are settings laid over the configs, for tuning.
type overrides []string

func (o *overrides) String() string     { return strings.Join(*o, " ") }
func (o *overrides) Set(s string) error { *o = append(*o, s); return nil }

// apply lays each detector.key=value over c.
func (o overrides) apply(c *detectors.Config) error {
	for _, kv := range o {
		path, value, ok := strings.Cut(kv, "=")
		det, key, ok2 := strings.Cut(path, ".")
		if !ok || !ok2 {
			return fmt.Errorf("-set %q: want detector.key=value", kv)
		}
		src := fmt.Sprintf("%s:\n  %s: %s\n", det, key, value)
		if err := yaml.Unmarshal([]byte(src), c); err != nil {
			return fmt.Errorf("-set %q: %w", kv, err)
		}
	}
	return c.Validate()
}

func defaultOptions() options {
	return options{Planted: 12, Controls: 12, Instruments: 42, Seconds: 7200, Seed: 1}
}

// variant is one Set run over every lane.
type variant struct {
	label string            // prefix of the detector names in the report
	cfg   detectors.Config  // its config
	keep  func(string) bool // which of its detectors are reported
}

// variants: every detector on with its defaults and the ensemble of all
// per-event detectors; and the lane's default config with the ensemble of
// its (default) detectors.
func variants(o overrides) []variant {
	all := detectors.DefaultConfig()
	for _, on := range []*bool{&all.EWMA.Enabled, &all.Stale.Enabled, &all.CUSUM.Enabled, &all.PageHinkley.Enabled,
		&all.MAD.Enabled, &all.Burst.Enabled, &all.CrossSection.Enabled, &all.Ensemble.Enabled} {
		*on = true
	}
	def := detectors.DefaultConfig()
	def.Ensemble.Enabled = true
	for _, c := range []*detectors.Config{&all, &def} {
		if err := o.apply(c); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	return []variant{
		{"", all, func(string) bool { return true }},
		{"lane defaults: ", def, func(n string) bool { return n == "ensemble" }},
	}
}

// detOrder is the report order.
var detOrder = []string{"jump", "zscore", "limit_band", "sequence", "invalid", "ewma", "stale", "cusum", "page_hinkley", "mad",
	"burst", "cross_section", "ensemble", "lane defaults: ensemble"}

// targets are the kinds each detector is meant for, for the main table.
var targets = map[string][]string{
	"jump":                    {kindJump, kindBand},
	"zscore":                  {kindJump, kindShift},
	"limit_band":              {kindBand},
	"sequence":                {kindSeqGap},
	"invalid":                 nil,
	"ewma":                    {kindJump, kindShift},
	"stale":                   {kindStale},
	"cusum":                   {kindShift, kindDrift},
	"page_hinkley":            {kindShift, kindDrift},
	"mad":                     {kindJump, kindShift},
	"burst":                   {kindBurst},
	"cross_section":           {kindJump, kindShift},
	"ensemble":                {kindJump, kindBand, kindShift, kindDrift, kindSeqGap},
	"lane defaults: ensemble": {kindJump, kindBand, kindShift, kindSeqGap},
}

// tally is what one detector did.
type tally struct {
	rows, hits int              // findings on planted lanes, and those that detect something
	fp         int              // findings on control lanes
	planted    map[string]int   // anomalies planted, by kind
	found      map[string]int   // of them detected
	delays     map[string][]int // events, per detected anomaly
	secs       map[string][]float64
}

func newTally() *tally {
	return &tally{planted: map[string]int{}, found: map[string]int{}, delays: map[string][]int{}, secs: map[string][]float64{}}
}

// result is the whole benchmark.
type result struct {
	o       options
	events  int
	planted map[string]int
	t       map[string]*tally
}

// laneResult is what one lane gave.
type laneResult struct {
	events int
	s      *stream
	rows   map[string][]schemas.Anomaly // by reported detector name
}

func run(o options) *result {
	specs := make([]streamSpec, 0, o.Planted+o.Controls)
	for i := range o.Planted + o.Controls {
		specs = append(specs, streamSpec{Seed: o.Seed + uint64(i), Instruments: o.Instruments, Seconds: o.Seconds, Plant: i < o.Planted})
	}
	lanes := make([]laneResult, len(specs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				lanes[i] = runLane(specs[i], o.Set)
			}
		}()
	}
	for i := range specs {
		next <- i
	}
	close(next)
	wg.Wait()

	r := &result{o: o, planted: map[string]int{}, t: map[string]*tally{}}
	for _, name := range detOrder {
		r.t[name] = newTally()
	}
	for _, l := range lanes {
		r.events += l.events
		r.score(l)
	}
	return r
}

// runLane generates one lane and runs every variant over it as a lane
// would: window engine first, then the event detectors with the new
// watermark, then the bars the event closed, then FlushBars.
func runLane(spec streamSpec, o overrides) laneResult {
	s := generate(spec)
	res := laneResult{events: len(s.Events), s: s, rows: map[string][]schemas.Anomaly{}}
	for _, v := range variants(o) {
		set, err := detectors.NewSet(v.cfg)
		if err != nil {
			panic(err)
		}
		win, err := windows.NewEngine(windows.DefaultSpec())
		if err != nil {
			panic(err)
		}
		var out windows.Output
		var rows []schemas.Anomaly
		for i := range s.Events {
			ev := &s.Events[i]
			win.Process(ev, &out)
			rows = set.Observe(ev, win.Watermark(), rows)
			for b := range out.Bars {
				rows = set.ObserveBar(&out.Bars[b], rows)
			}
			rows = set.FlushBars(rows)
			out.Reset()
		}
		last := s.Events[len(s.Events)-1]
		win.Flush(last.Partition, last.Offset, &out)
		for b := range out.Bars {
			rows = set.ObserveBar(&out.Bars[b], rows)
		}
		rows = set.FlushBars(rows)
		for _, a := range rows {
			if v.keep(a.Detector) {
				res.rows[v.label+a.Detector] = append(res.rows[v.label+a.Detector], a)
			}
		}
	}
	return res
}

// score adds one lane's findings to the tallies.
func (r *result) score(l laneResult) {
	s := l.s
	times := map[string][]int64{} // event times of each instrument
	for i := range s.Events {
		ev := &s.Events[i]
		times[ev.InstrumentID] = append(times[ev.InstrumentID], ev.EventTime)
	}
	if s.Spec.Plant {
		for _, p := range s.Planted {
			r.planted[p.Kind]++
		}
	}
	for _, name := range detOrder {
		t := r.t[name]
		rows := l.rows[name]
		if !s.Spec.Plant {
			t.fp += len(rows)
			continue
		}
		first := make([]int64, len(s.Planted)) // detection time per anomaly, 0 for none
		for _, a := range rows {
			at := s.Events[a.SrcOffset].EventTime
			t.rows++
			hit := false
			for i, p := range s.Planted {
				if p.Instrument == a.InstrumentID && at >= p.Start && at <= p.End {
					hit = true
					if first[i] == 0 || at < first[i] {
						first[i] = at
					}
				}
			}
			if hit {
				t.hits++
			}
		}
		for i, p := range s.Planted {
			t.planted[p.Kind]++
			if first[i] == 0 {
				continue
			}
			t.found[p.Kind]++
			ts := times[p.Instrument]
			lo := sort.Search(len(ts), func(k int) bool { return ts[k] >= p.Start })
			hi := sort.Search(len(ts), func(k int) bool { return ts[k] > first[i] })
			t.delays[p.Kind] = append(t.delays[p.Kind], max(0, hi-lo-1))
			t.secs[p.Kind] = append(t.secs[p.Kind], float64(first[i]-p.Start)/1e6)
		}
	}
}

func (r *result) write(w io.Writer) {
	fmt.Fprintf(w, "Quality benchmark: %d planted and %d control lanes of %d instruments over %s (seed %d), %d events; planted:",
		r.o.Planted, r.o.Controls, r.o.Instruments, time.Duration(r.o.Seconds)*time.Second, r.o.Seed, r.events)
	for _, k := range kinds {
		fmt.Fprintf(w, " %d %s", r.planted[k], k)
	}
	fmt.Fprintln(w, ".")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| detector | planted kind | precision | recall | delay mean (events) | delay max (events) | delay mean (s) | FP on control lanes |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|")
	for _, name := range detOrder {
		t := r.t[name]
		ks := targets[name]
		if len(ks) == 0 {
			fmt.Fprintf(w, "| %s | - | %s | - | - | - | - | %d |\n", name, t.precision(), t.fp)
			continue
		}
		for _, k := range ks {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %d |\n", name, k, t.precision(), t.recall(k),
				meanInt(t.delays[k]), maxInt(t.delays[k]), meanFloat(t.secs[k]), t.fp)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Recall of every detector on every kind:")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| detector | %s | findings | FP on control lanes |\n", strings.Join(kinds, " | "))
	fmt.Fprintf(w, "|---|%s---:|---:|\n", strings.Repeat("---:|", len(kinds)))
	for _, name := range detOrder {
		t := r.t[name]
		var cells []string
		for _, k := range kinds {
			cells = append(cells, t.recall(k))
		}
		fmt.Fprintf(w, "| %s | %s | %d | %d |\n", name, strings.Join(cells, " | "), t.rows, t.fp)
	}
}

func (t *tally) precision() string {
	if t.rows == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", float64(t.hits)/float64(t.rows))
}

func (t *tally) recall(k string) string {
	if t.planted[k] == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", float64(t.found[k])/float64(t.planted[k]))
}

// recallOf is the recall as a number.
func (t *tally) recallOf(k string) float64 {
	if t.planted[k] == 0 {
		return 0
	}
	return float64(t.found[k]) / float64(t.planted[k])
}

func meanInt(v []int) string {
	if len(v) == 0 {
		return "-"
	}
	s := 0
	for _, x := range v {
		s += x
	}
	return fmt.Sprintf("%.1f", float64(s)/float64(len(v)))
}

func maxInt(v []int) string {
	if len(v) == 0 {
		return "-"
	}
	return fmt.Sprint(slices.Max(v))
}

func meanFloat(v []float64) string {
	if len(v) == 0 {
		return "-"
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return fmt.Sprintf("%.1f", s/float64(len(v)))
}
