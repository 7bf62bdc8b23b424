package detectors

import (
	"math"

	"pricewatch/schemas"
)

// CUSUMConfig is the `cusum` detector: a two-sided cumulative sum of an
// instrument's standardized log returns, z = (r - mean)/sd with the mean
// and sd exponentially weighted, catches a sustained drift that no single
// return would: S+ = max(0, S+ + z - drift), S- = max(0, S- - z - drift),
// flagged when either passes threshold; both then restart from 0. A
// finding's Expected is the value the run started from.
type CUSUMConfig struct {
	// Enabled turns the detector on. Default false.
	Enabled bool `yaml:"enabled"`
	// Attributes are the numeric attributes checked. Default [price].
	Attributes []string `yaml:"attributes"`
	// Alpha is the weight of each return in the mean and sd, in (0, 1].
	// Default 0.01, slow, so a drift is caught before it is learnt.
	Alpha float64 `yaml:"alpha"`
	// Drift is the slack k subtracted from each |z|, >= 0. Default 0.5.
	Drift float64 `yaml:"drift"`
	// Threshold is the sum h flagged, > 0. Default 10.
	Threshold float64 `yaml:"threshold"`
	// Warmup is how many returns are folded in before summing, >= 1.
	// Default 30.
	Warmup int `yaml:"warmup"`
	// MinStddev floors the sd of log returns, >= 0. Default 0.0001.
	MinStddev float64 `yaml:"min_stddev"`
}

func (c *CUSUMConfig) validate(v *validator, key string) {
	statsConfig(v, key, c.Attributes, c.Alpha, c.Warmup, c.MinStddev)
	if !(c.Drift >= 0) || math.IsInf(c.Drift, 0) {
		v.fail(key+".drift", c.Drift, "want a number >= 0")
	}
	v.open(key+".threshold", c.Threshold, 0, math.Inf(1), "want a number > 0")
}

// side is one direction of a cumulative sum: the sum, how many returns it
// has run for and the value it started from.
type side struct {
	Sum   float64
	Run   int32
	Start float64
}

// step adds inc to the sum, restarting the run at prev when it was at 0.
func (s *side) step(inc, prev float64) {
	if s.Sum == 0 {
		s.Run, s.Start = 0, prev
	}
	s.Sum = max(0, s.Sum+inc)
	s.Run++
}

// cusumState is the cusum state of one (instrument, attribute).
type cusumState struct {
	Last     last
	Stats    ewStats
	Up, Down side
}

// cusum is the cusum detector. Observed is the value, Expected the value
// the run started from, Threshold h, and Score 1 - h/S.
type cusum struct {
	cfg CUSUMConfig
	tab table[cusumState]
	buf []byte
}

func newCUSUM(c CUSUMConfig) *cusum {
	return &cusum{cfg: c, tab: newTable[cusumState](c.Attributes)}
}

func (d *cusum) name() string                      { return "cusum" }
func (d *cusum) add(string)                        { d.tab.add() }
func (d *cusum) save() ([]byte, error)             { return d.tab.save() }
func (d *cusum) load(b []byte, ids []string) error { return d.tab.load(b, ids) }
func (d *cusum) stateBytes() int                   { return d.tab.bytes() }

func (d *cusum) observe(ix int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
	for a, name := range d.tab.attrs {
		v, ok := ev.Attr(name)
		if !ok {
			continue
		}
		st := d.tab.at(ix, a)
		x, prev, ok := st.Last.tick(ev.Op, v, ev.EventTime)
		if !ok || !(x > 0) {
			continue
		}
		r := math.Log(x / prev)
		if !finite(r) { // x/prev overflowed or underflowed
			continue
		}
		if st.Stats.N >= int64(d.cfg.Warmup) {
			z := (r - st.Stats.Mean) / st.Stats.stddev(d.cfg.MinStddev)
			st.Up.step(z-d.cfg.Drift, prev)
			st.Down.step(-z-d.cfg.Drift, prev)
			if s := d.alarm(st); s != nil {
				out = append(out, d.row(ev, name, x, s, s == &st.Up))
				st.Up, st.Down = side{}, side{}
			}
		}
		st.Stats.add(r, d.cfg.Alpha)
	}
	return out
}

// alarm returns the side past the threshold, the larger if both are.
func (d *cusum) alarm(st *cusumState) *side {
	switch {
	case st.Up.Sum > d.cfg.Threshold && st.Up.Sum >= st.Down.Sum:
		return &st.Up
	case st.Down.Sum > d.cfg.Threshold:
		return &st.Down
	}
	return nil
}

// row builds the finding, e.g. reason "price 103.2 drifted up +3.2% from
// 100 over 12 returns: CUSUM 10.4 sd; threshold 10, drift 0.5".
func (d *cusum) row(ev *schemas.Event, attr string, x float64, s *side, up bool) schemas.Anomaly {
	b := append(d.buf[:0], attr...)
	b = append(b, ' ')
	b = appendNum(b, x)
	if up {
		b = append(b, " drifted up "...)
	} else {
		b = append(b, " drifted down "...)
	}
	b = appendPct(b, x/s.Start-1, true)
	b = append(b, " from "...)
	b = appendNum(b, s.Start)
	b = append(b, " over "...)
	b = appendInt(b, int64(s.Run))
	b = append(b, " returns: CUSUM "...)
	b = appendOver(b, s.Sum, d.cfg.Threshold, false)
	b = append(b, " sd; threshold "...)
	b = appendFixed(b, d.cfg.Threshold, 2)
	b = append(b, ", drift "...)
	b = appendFixed(b, d.cfg.Drift, 2)
	d.buf = b
	return schemas.Anomaly{
		InstrumentID: ev.InstrumentID,
		EventTime:    ev.EventTime,
		Detector:     d.name(),
		Attribute:    attr,
		Observed:     x,
		Expected:     s.Start,
		Threshold:    d.cfg.Threshold,
		Score:        excess(s.Sum, d.cfg.Threshold),
		Reason:       string(b),
		SrcPartition: ev.Partition,
		SrcOffset:    ev.Offset,
	}
}
