package detectors

import (
	"math"
	"unsafe"

	"pricewatch/schemas"
)

// BurstConfig is the `burst` detector, a window-level one (see
// Set.ObserveBar): the event count or the volume of an instrument's window
// bar is far above the instrument's own baseline for bars of that window
// spec. The baseline is an exponentially weighted mean and sd of
// ln(1 + measure) over the instrument's previous non-empty windows (the
// engine emits no bar for an empty window); a bar is flagged when
//
//	z = (ln(1+m) - mean) / max(sd, min_stddev) > threshold
//
// and m is at least min_ratio times the usual level exp(mean) - 1 (and, for
// the count, at least min_count). A flagged value is folded in capped at
// mean + threshold × sd, so a burst does not teach the baseline that bursts
// are usual. One row per bar at most: the measure with the higher score.
//
// A finding's EventTime is the window start, Attribute the bar's attribute,
// Observed the measure, Expected the usual level and Threshold the z
// threshold; its source is the bar's (the event that closed the window).
type BurstConfig struct {
	// Enabled turns the detector on. Default false.
	Enabled bool `yaml:"enabled"`
	// Attributes are the bar attributes followed. Default [price].
	Attributes []string `yaml:"attributes"`
	// Measures are "count" (events in the window) and/or "volume" (the
	// window's volume; bars without volume are skipped). Default
	// [count, volume].
	Measures []string `yaml:"measures"`
	// Alpha is the weight of each window in the baseline, in (0, 1].
	// Default 0.05.
	Alpha float64 `yaml:"alpha"`
	// Threshold is the z flagged, on the log scale, > 0. Default 4.5.
	Threshold float64 `yaml:"threshold"`
	// MinRatio is how many times the usual level a measure must be, >= 1.
	// Default 4.
	MinRatio float64 `yaml:"min_ratio"`
	// MinCount is the fewest events a count burst has, >= 0. Default 20.
	MinCount int64 `yaml:"min_count"`
	// Warmup is how many windows of the instrument make the baseline
	// before any flag, >= 1. Default 20.
	Warmup int `yaml:"warmup"`
	// MinStddev floors the sd of ln(1 + measure), >= 0. Default 0.25.
	MinStddev float64 `yaml:"min_stddev"`
	// Cooldown is how many windows of the series after a flag are not
	// flagged, >= 0. Default 0.
	Cooldown int `yaml:"cooldown"`
}

func defaultBurst() BurstConfig {
	return BurstConfig{
		Attributes: []string{"price"},
		Measures:   []string{"count", "volume"},
		Alpha:      0.05,
		Threshold:  4.5,
		MinRatio:   4,
		MinCount:   20,
		Warmup:     20,
		MinStddev:  0.25,
	}
}

func (c *BurstConfig) validate(v *validator, key string) {
	v.attrs(key+".attributes", c.Attributes)
	if len(c.Measures) == 0 {
		v.fail(key+".measures", "[]", `want "count", "volume" or both`)
	}
	for i, m := range c.Measures {
		if m != "count" && m != "volume" || hasName(c.Measures[:i], m) {
			v.fail(key+".measures", m, `want "count", "volume" or both, each once`)
		}
	}
	v.open(key+".alpha", c.Alpha, 0, 1, "want a number in (0, 1]")
	v.open(key+".threshold", c.Threshold, 0, math.Inf(1), "want a number > 0")
	if !(c.MinRatio >= 1) || math.IsInf(c.MinRatio, 0) {
		v.fail(key+".min_ratio", c.MinRatio, "want a number >= 1")
	}
	if c.MinCount < 0 {
		v.fail(key+".min_count", c.MinCount, "want an integer >= 0")
	}
	v.intRange(key+".warmup", c.Warmup, 1, maxEvents, "want an integer >= 1")
	v.nonNeg(key+".min_stddev", c.MinStddev)
	v.cooldown(key+".cooldown", c.Cooldown)
}

// burstState is the burst state of one instrument in one series.
type burstState struct {
	Count, Volume ewStats // of ln(1 + measure)
	Cool          int32
}

// burstSeries is one series of bars and its per-instrument state.
type burstSeries struct {
	Key seriesKey
	St  []burstState
}

// burst is the burst detector. Score is 1 - threshold/z.
type burst struct {
	cfgs   []BurstConfig
	attrs  []string
	count  bool
	volume bool
	series []burstSeries
	buf    []byte
}

func newBurst(ps []Params) *burst {
	c := ps[0].Burst
	d := &burst{cfgs: each(ps, func(p *Params) BurstConfig { return p.Burst }), attrs: c.Attributes}
	for _, m := range c.Measures {
		d.count = d.count || m == "count"
		d.volume = d.volume || m == "volume"
	}
	return d
}

func (d *burst) name() string      { return "burst" }
func (d *burst) add(string, int32) {}
func (d *burst) observe(_, _ int32, _ *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
	return out
}
func (d *burst) flushBars(out []schemas.Anomaly) []schemas.Anomaly { return out }

func (d *burst) stateBytes() int {
	n := 0
	for _, s := range d.series {
		n += 64 + cap(s.St)*int(unsafe.Sizeof(burstState{}))
	}
	return n
}

func (d *burst) save(b []byte) ([]byte, error) { return appendGob(b, &d.series) }

func (d *burst) load(b []byte, ids []string, _ []int32) error {
	var series []burstSeries
	if b != nil {
		if err := decodeGob(b, &series); err != nil {
			return err
		}
	}
	for _, s := range series {
		if err := checkSeries(len(s.St), len(ids), "burst states"); err != nil {
			return err
		}
	}
	d.series = series
	return nil
}

// at returns the state of instrument ix in the series of bar.
func (d *burst) at(ix int32, bar *schemas.WindowBar) *burstState {
	i := 0
	for i < len(d.series) && !d.series[i].Key.matches(bar) {
		i++
	}
	if i == len(d.series) {
		d.series = append(d.series, burstSeries{Key: keyOf(bar)})
	}
	s := &d.series[i]
	s.St = grow(s.St, ix)
	return &s.St[ix]
}

func (d *burst) observeBar(ix, g int32, bar *schemas.WindowBar, out []schemas.Anomaly) []schemas.Anomaly {
	c := &d.cfgs[g]
	if !c.Enabled || !usableBar(bar) || !hasName(d.attrs, bar.Attribute) {
		return out
	}
	st := d.at(ix, bar)
	cooling := st.Cool > 0
	if cooling {
		st.Cool--
	}
	var f burstFinding
	if d.count {
		d.measure(c, &st.Count, float64(bar.Count), "count", &f)
	}
	if d.volume && bar.HasVWAP && bar.Volume >= 0 && finite(bar.Volume) {
		d.measure(c, &st.Volume, bar.Volume, "volume", &f)
	}
	if f.what != "" && !cooling {
		out = append(out, d.row(c, bar, &f))
		st.Cool = int32(c.Cooldown)
	}
	return out
}

// burstFinding is the measure of a bar past the threshold, if any.
type burstFinding struct {
	what            string
	m, usual, z, sd float64
	score           float64
}

// measure scores measure m against its baseline s, keeps it in f when it
// is flagged with a higher score, and folds it in.
func (d *burst) measure(c *BurstConfig, s *ewStats, m float64, what string, f *burstFinding) {
	x := math.Log1p(m)
	if s.N < int64(c.Warmup) {
		s.add(x, c.Alpha)
		return
	}
	sd := s.stddev(c.MinStddev)
	z := (x - s.Mean) / sd
	usual := math.Expm1(s.Mean)
	if z > c.Threshold && m >= c.MinRatio*usual && (what != "count" || m >= float64(c.MinCount)) {
		if sc := excess(z, c.Threshold); f.what == "" || sc > f.score {
			*f = burstFinding{what: what, m: m, usual: usual, z: z, sd: sd, score: sc}
		}
	}
	s.add(min(x, s.Mean+c.Threshold*sd), c.Alpha)
}

// row builds the finding, e.g. reason "price count 240 in the 1m window
// from 2024-03-01T09:31:00.000000Z is 12× the usual 20: z-score +7.2 on a
// log scale (sd 0.35); threshold 5, min ratio 4".
func (d *burst) row(c *BurstConfig, bar *schemas.WindowBar, f *burstFinding) schemas.Anomaly {
	b := append(d.buf[:0], bar.Attribute...)
	b = append(b, ' ')
	b = append(b, f.what...)
	b = append(b, ' ')
	b = appendNum(b, f.m)
	b = append(b, " in "...)
	b = appendWindow(b, bar.WindowStart, bar.WindowEnd)
	b = append(b, " is "...)
	if f.usual > 0 {
		b = appendFixed(b, f.m/f.usual, 1)
		b = append(b, "× the usual "...)
	} else {
		b = append(b, "far above the usual "...)
	}
	b = appendFixed(b, f.usual, 1)
	b = append(b, ": z-score "...)
	b = appendOver(b, f.z, c.Threshold, true)
	b = append(b, " on a log scale (sd "...)
	b = appendFixed(b, f.sd, 2)
	b = append(b, "); threshold "...)
	b = appendFixed(b, c.Threshold, 2)
	b = append(b, ", min ratio "...)
	b = appendFixed(b, c.MinRatio, 2)
	d.buf = b
	return schemas.Anomaly{
		InstrumentID: bar.InstrumentID,
		EventTime:    bar.WindowStart,
		Detector:     d.name(),
		Attribute:    bar.Attribute,
		Observed:     f.m,
		Expected:     f.usual,
		Threshold:    c.Threshold,
		Score:        f.score,
		Reason:       string(b),
		SrcPartition: bar.SrcPartition,
		SrcOffset:    bar.SrcOffset,
	}
}

// hasName reports whether names holds name.
func hasName(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}
