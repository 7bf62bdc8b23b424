package detectors

import (
	"cmp"
	"math"
	"slices"
	"unsafe"

	"pricewatch/schemas"
)

// CrossSectionConfig is the `cross_section` detector, a window-level one
// (see Set.ObserveBar): an instrument's return in a window is far from the
// median return of the other instruments in the same window. The "market"
// is the lane's instruments (a lane is one Kafka partition, so it is the
// instruments that hash to it), or, with by_group and config groups, the
// instruments of the same group (those in no group making one more) when
// at least min_instruments of them have a bar in the window.
//
// An instrument's return in a window is ln(close/ref), where ref is the
// close of its previous bar in the series when that window ends where this
// one starts (consecutive tumbling windows), and the window's open
// otherwise. Its distance from the median, d = r - median, is scaled by the
// largest of: the instrument's own typical distance (the exponentially
// weighted root mean square of its past d), the cross-sectional robust sd
// of the window (1.4826 × the median absolute deviation of the returns from
// the median) and min_stddev. A window is flagged when |d|/scale >
// threshold and |d| >= min_move, after warmup windows of the instrument.
// A flagged d is folded in capped at threshold × scale.
//
// A finding's EventTime is the window start, Attribute the bar's attribute,
// Observed the instrument's simple return exp(r) - 1 in the window,
// Expected the median's, Threshold the threshold, and its source the
// bar's.
type CrossSectionConfig struct {
	// Enabled turns the detector on. Default false.
	Enabled bool `yaml:"enabled"`
	// Attributes are the bar attributes followed. Default [price].
	Attributes []string `yaml:"attributes"`
	// ByGroup compares an instrument with its config group (or with the
	// instruments in no group) rather than the whole lane, when the group
	// has min_instruments bars in the window. Default true.
	ByGroup bool `yaml:"by_group"`
	// MinInstruments is the fewest instruments with a return in a window
	// for it to be checked, >= 3. Default 5.
	MinInstruments int `yaml:"min_instruments"`
	// Alpha is the weight of each window in the instrument's typical
	// distance, in (0, 1]. Default 0.05.
	Alpha float64 `yaml:"alpha"`
	// Threshold is the |d|/scale flagged, > 0. Default 7.
	Threshold float64 `yaml:"threshold"`
	// Warmup is how many checked windows of the instrument come before any
	// flag, >= 1. Default 20.
	Warmup int `yaml:"warmup"`
	// MinStddev floors the scale, >= 0. Default 0.001 (0.1%).
	MinStddev float64 `yaml:"min_stddev"`
	// MinMove is the smallest |d| flagged, >= 0. Default 0.01 (1%).
	MinMove float64 `yaml:"min_move"`
	// Cooldown is how many windows of the instrument after a flag are not
	// flagged, >= 0. Default 0.
	Cooldown int `yaml:"cooldown"`
}

func defaultCrossSection() CrossSectionConfig {
	return CrossSectionConfig{
		Attributes:     []string{"price"},
		ByGroup:        true,
		MinInstruments: 5,
		Alpha:          0.05,
		Threshold:      7,
		Warmup:         20,
		MinStddev:      0.001,
		MinMove:        0.01,
	}
}

func (c *CrossSectionConfig) validate(v *validator, key string) {
	v.attrs(key+".attributes", c.Attributes)
	v.intRange(key+".min_instruments", c.MinInstruments, 3, maxEvents, "want an integer >= 3")
	v.open(key+".alpha", c.Alpha, 0, 1, "want a number in (0, 1]")
	v.open(key+".threshold", c.Threshold, 0, math.Inf(1), "want a number > 0")
	v.intRange(key+".warmup", c.Warmup, 1, maxEvents, "want an integer >= 1")
	v.nonNeg(key+".min_stddev", c.MinStddev)
	v.nonNeg(key+".min_move", c.MinMove)
	v.cooldown(key+".cooldown", c.Cooldown)
}

// xsState is the cross_section state of one instrument in one series.
type xsState struct {
	Close float64 // close of the previous bar
	End   int64   // and its window end
	Has   bool
	Sq    float64 // weighted mean of d²
	N     int64   // windows folded into Sq
	Cool  int32
}

// xsBar is a bar held back until its window's bars are all in.
type xsBar struct {
	Ix, G        int32
	Ret          float64 // ln(close/ref)
	Start        int64
	SrcPartition int32
	SrcOffset    int64
}

// xsSeries is one series of bars: per-instrument state and the bars of
// the latest window end.
type xsSeries struct {
	Key  seriesKey
	St   []xsState
	End  int64
	Pend []xsBar
}

// xsRef is the median and robust sd of the returns of a set of
// instruments in one window.
type xsRef struct {
	n       int
	med, sd float64
}

// crossSection is the cross_section detector. Score is 1 - threshold/|z|.
type crossSection struct {
	cfgs   []CrossSectionConfig
	attrs  []string
	names  []string // group names by Params index ("" for the top level)
	ids    []string
	series []xsSeries
	// scratch
	rets []float64
	tmp  []xsBar
	refs []xsRef // by Params index
	buf  []byte
}

func newCrossSection(ps []Params, names []string) *crossSection {
	return &crossSection{
		cfgs:  each(ps, func(p *Params) CrossSectionConfig { return p.CrossSection }),
		attrs: ps[0].CrossSection.Attributes,
		names: names,
		refs:  make([]xsRef, len(ps)),
	}
}

func (d *crossSection) name() string { return "cross_section" }
func (d *crossSection) add(id string, _ int32) {
	d.ids = append(d.ids, id)
}
func (d *crossSection) observe(_, _ int32, _ *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
	return out
}

func (d *crossSection) stateBytes() int {
	n := cap(d.ids) * 16
	for _, s := range d.series {
		n += 64 + cap(s.St)*int(unsafe.Sizeof(xsState{})) + cap(s.Pend)*int(unsafe.Sizeof(xsBar{}))
	}
	return n
}

func (d *crossSection) save(b []byte) ([]byte, error) { return appendGob(b, &d.series) }

func (d *crossSection) load(b []byte, ids []string, grp []int32) error {
	var series []xsSeries
	if b != nil {
		if err := decodeGob(b, &series); err != nil {
			return err
		}
	}
	for i := range series {
		s := &series[i]
		if err := checkSeries(len(s.St), len(ids), "cross_section states"); err != nil {
			return err
		}
		for j := range s.Pend {
			p := &s.Pend[j]
			if p.Ix < 0 || int(p.Ix) >= len(ids) {
				return checkSeries(int(p.Ix)+1, len(ids), "a held-back bar")
			}
			p.G = grp[p.Ix] // groups follow the current config
		}
	}
	d.series, d.ids = series, append([]string(nil), ids...)
	return nil
}

func (d *crossSection) observeBar(ix, g int32, bar *schemas.WindowBar, out []schemas.Anomaly) []schemas.Anomaly {
	c := &d.cfgs[g]
	if !c.Enabled || !usableBar(bar) || !hasName(d.attrs, bar.Attribute) {
		return out
	}
	i := 0
	for i < len(d.series) && !d.series[i].Key.matches(bar) {
		i++
	}
	if i == len(d.series) {
		d.series = append(d.series, xsSeries{Key: keyOf(bar)})
	}
	s := &d.series[i]
	if len(s.Pend) > 0 && bar.WindowEnd != s.End {
		out = d.evaluate(s, out)
	}
	s.St = grow(s.St, ix)
	st := &s.St[ix]
	ref := bar.Open
	if st.Has && st.End == bar.WindowStart {
		ref = st.Close
	}
	if bar.Close > 0 && finite(bar.Close) {
		st.Close, st.End, st.Has = bar.Close, bar.WindowEnd, true
	} else {
		st.Has = false
	}
	if !(ref > 0 && bar.Close > 0) {
		return out
	}
	r := math.Log(bar.Close / ref)
	if !finite(r) {
		return out
	}
	s.End = bar.WindowEnd
	s.Pend = append(s.Pend, xsBar{Ix: ix, G: g, Ret: r, Start: bar.WindowStart, SrcPartition: bar.SrcPartition, SrcOffset: bar.SrcOffset})
	return out
}

func (d *crossSection) flushBars(out []schemas.Anomaly) []schemas.Anomaly {
	for i := range d.series {
		if len(d.series[i].Pend) > 0 {
			out = d.evaluate(&d.series[i], out)
		}
	}
	return out
}

// reference returns the median and robust sd of the sorted returns a.
func reference(a []float64) xsRef {
	med, m := medianMAD(a)
	return xsRef{n: len(a), med: med, sd: 1.4826 * m}
}

// evaluate checks the held-back bars of one window end, in arrival order.
func (d *crossSection) evaluate(s *xsSeries, out []schemas.Anomaly) []schemas.Anomaly {
	d.rets = d.rets[:0]
	for _, p := range s.Pend {
		d.rets = append(d.rets, p.Ret)
	}
	slices.Sort(d.rets)
	lane := reference(d.rets)
	for i := range d.refs {
		d.refs[i] = xsRef{}
	}
	if len(d.refs) > 1 {
		d.tmp = append(d.tmp[:0], s.Pend...)
		slices.SortFunc(d.tmp, func(a, b xsBar) int {
			return cmp.Or(cmp.Compare(a.G, b.G), cmp.Compare(a.Ret, b.Ret))
		})
		for lo := 0; lo < len(d.tmp); {
			hi := lo
			d.rets = d.rets[:0]
			for hi < len(d.tmp) && d.tmp[hi].G == d.tmp[lo].G {
				d.rets = append(d.rets, d.tmp[hi].Ret)
				hi++
			}
			d.refs[d.tmp[lo].G] = reference(d.rets)
			lo = hi
		}
	}
	for _, p := range s.Pend {
		c := &d.cfgs[p.G]
		ref, group := lane, false
		if c.ByGroup && len(d.refs) > 1 && d.refs[p.G].n >= c.MinInstruments {
			ref, group = d.refs[p.G], true
		}
		if ref.n < c.MinInstruments {
			continue
		}
		st := &s.St[p.Ix]
		dev := p.Ret - ref.med
		scale := max(ref.sd, c.MinStddev)
		if st.N >= int64(c.Warmup) {
			scale = max(scale, math.Sqrt(st.Sq))
			z := dev / scale
			cooling := st.Cool > 0
			if cooling {
				st.Cool--
			}
			if !cooling && math.Abs(z) > c.Threshold && math.Abs(dev) >= c.MinMove {
				out = append(out, d.row(c, s, &p, ref, group, z, scale))
				st.Cool = int32(c.Cooldown)
			}
		}
		st.N++
		a := max(c.Alpha, 1/float64(st.N))
		capped := min(math.Abs(dev), c.Threshold*scale)
		st.Sq += a * (capped*capped - st.Sq)
	}
	s.Pend = s.Pend[:0]
	return out
}

// row builds the finding, e.g. reason "price +8.3% in the 1m window from
// 2024-03-01T09:31:00.000000Z against the lane median +0.1% of 12
// instruments: 9.1 sd from it (sd 0.9%); threshold 7".
func (d *crossSection) row(c *CrossSectionConfig, s *xsSeries, p *xsBar, ref xsRef, group bool, z, scale float64) schemas.Anomaly {
	obs, exp := math.Expm1(p.Ret), math.Expm1(ref.med)
	b := append(d.buf[:0], s.Key.Attr...)
	b = append(b, ' ')
	b = appendPct(b, obs, true)
	b = append(b, " in "...)
	b = appendWindow(b, p.Start, p.Start+s.Key.Size)
	b = append(b, " against the "...)
	switch {
	case group && p.G == 0:
		b = append(b, "ungrouped"...)
	case group:
		b = append(b, d.names[p.G]...)
		b = append(b, " group"...)
	default:
		b = append(b, "lane"...)
	}
	b = append(b, " median "...)
	b = appendPct(b, exp, true)
	b = append(b, " of "...)
	b = appendInt(b, int64(ref.n))
	b = append(b, " instruments: "...)
	b = appendOver(b, math.Abs(z), c.Threshold, false)
	b = append(b, " sd from it (sd "...)
	b = appendPct(b, scale, false)
	b = append(b, "); threshold "...)
	b = appendFixed(b, c.Threshold, 2)
	d.buf = b
	return schemas.Anomaly{
		InstrumentID: d.ids[p.Ix],
		EventTime:    p.Start,
		Detector:     d.name(),
		Attribute:    s.Key.Attr,
		Observed:     obs,
		Expected:     exp,
		Threshold:    c.Threshold,
		Score:        excess(math.Abs(z), c.Threshold),
		Reason:       string(b),
		SrcPartition: p.SrcPartition,
		SrcOffset:    p.SrcOffset,
	}
}
