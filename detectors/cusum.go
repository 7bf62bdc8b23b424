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
	// Change is what is scored: "log" (log returns) or "diff"
	// (differences, for series that may be zero or negative; min_stddev
	// is then in the attribute's unit). Default "log".
	Change string `yaml:"change"`
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
	// MinStddevMove floors the sd at this fraction of the instrument's
	// typical move (the weighted mean size of its changes that are not
	// zero, about one tick for a price; see noteMove), so that tick-sized
	// moves of an instrument that seldom moves are not outliers; with it,
	// nothing is scored until the series has moved once. >= 0, 0 turns it
	// off. Default 1.
	MinStddevMove float64 `yaml:"min_stddev_move"`
	// Cooldown is how many returns after a flag give no flag, >= 0; an
	// alarm in the cooldown restarts the sums silently. Default 0.
	Cooldown int `yaml:"cooldown"`
}

func (c *CUSUMConfig) validate(v *validator, key string) {
	moveConfig(v, key, c.MinStddevMove)
	statsConfig(v, key, c.Attributes, c.Change, c.Alpha, c.Warmup, c.MinStddev)
	v.cooldown(key+".cooldown", c.Cooldown)
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
	Move     float64 // typical move, see noteMove
	Cool     int32
}

// cusum is the cusum detector. Observed is the value, Expected the value
// the run started from, Threshold h, and Score 1 - h/S.
type cusum struct {
	tabled[cusumState, CUSUMConfig]
}

func newCUSUM(ps []Params) *cusum {
	return &cusum{newTabled[cusumState](ps, func(p *Params) CUSUMConfig { return p.CUSUM }, ps[0].CUSUM.Attributes)}
}

func (d *cusum) name() string { return "cusum" }

func (d *cusum) observe(ix, g int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
	d.lv.R = 0
	c := &d.cfgs[g]
	if !c.Enabled {
		return out
	}
	diff := c.Change == "diff"
	for a, name := range d.tab.attrs {
		st := d.tab.at(ix, a)
		x, prev, r, ok := st.Last.next(ev, name, diff)
		if !ok {
			continue
		}
		if st.Stats.N >= int64(c.Warmup) && (st.Move > 0 || c.MinStddevMove == 0) {
			z := (r - st.Stats.Mean) / max(st.Stats.stddev(c.MinStddev), c.MinStddevMove*st.Move)
			st.Up.step(z-c.Drift, prev)
			st.Down.step(-z-c.Drift, prev)
			d.lv.note(max(st.Up.Sum, st.Down.Sum)/c.Threshold, a, x, prev)
			cooling := st.Cool > 0
			if cooling {
				st.Cool--
			}
			if s := d.alarm(c, st); s != nil {
				if !cooling {
					out = append(out, d.row(c, diff, ev, name, x, s, s == &st.Up))
					st.Cool = int32(c.Cooldown)
				}
				st.Up, st.Down = side{}, side{}
			}
		}
		noteMove(&st.Move, r, moveScale(x, diff))
		st.Stats.add(r, c.Alpha)
	}
	return out
}

// alarm returns the side past the threshold, the larger if both are.
func (d *cusum) alarm(c *CUSUMConfig, st *cusumState) *side {
	switch {
	case st.Up.Sum > c.Threshold && st.Up.Sum >= st.Down.Sum:
		return &st.Up
	case st.Down.Sum > c.Threshold:
		return &st.Down
	}
	return nil
}

// row builds the finding, e.g. reason "price 103.2 drifted up +3.2% from
// 100 over 12 returns: CUSUM 10.4 sd; threshold 10, drift 0.5".
func (d *cusum) row(c *CUSUMConfig, diff bool, ev *schemas.Event, attr string, x float64, s *side, up bool) schemas.Anomaly {
	b := append(d.buf[:0], attr...)
	b = append(b, ' ')
	b = appendNum(b, x)
	if up {
		b = append(b, " drifted up "...)
	} else {
		b = append(b, " drifted down "...)
	}
	b = appendMove(b, x, s.Start, diff)
	b = append(b, " from "...)
	b = appendNum(b, s.Start)
	b = append(b, " over "...)
	b = appendInt(b, int64(s.Run))
	b = append(b, changes(diff)...)
	b = append(b, ": CUSUM "...)
	b = appendOver(b, s.Sum, c.Threshold, false)
	b = append(b, " sd; threshold "...)
	b = appendFixed(b, c.Threshold, 2)
	b = append(b, ", drift "...)
	b = appendFixed(b, c.Drift, 2)
	d.buf = b
	return eventAnomaly(ev, d.name(), attr, x, s.Start, c.Threshold,
		excess(s.Sum, c.Threshold), b)
}
