package detectors

import (
	"math"

	"pricewatch/schemas"
)

// EWMAConfig is the `ewma` detector: like zscore, but the mean and variance
// of an instrument's log returns are exponentially weighted (so memory is
// O(1) per instrument and attribute), and the current return is scored
// before it is folded in.
type EWMAConfig struct {
	// Enabled turns the detector on. Default false.
	Enabled bool `yaml:"enabled"`
	// Attributes are the numeric attributes checked. Default [price].
	Attributes []string `yaml:"attributes"`
	// Change is what is scored: "log" (log returns) or "diff"
	// (differences, for series that may be zero or negative; min_stddev
	// is then in the attribute's unit). Default "log".
	Change string `yaml:"change"`
	// Alpha is the weight of each new return, in (0, 1]. Default 0.05
	// (a memory of about 20 returns).
	Alpha float64 `yaml:"alpha"`
	// Threshold is the |z| flagged, > 0. Default 7.
	Threshold float64 `yaml:"threshold"`
	// Warmup is how many returns are folded in before any flag, >= 1.
	// Default 30.
	Warmup int `yaml:"warmup"`
	// MinStddev floors the standard deviation of log returns, >= 0.
	// Default 0.0001.
	MinStddev float64 `yaml:"min_stddev"`
	// MinStddevMove floors the sd at this fraction of the instrument's
	// typical move (the weighted mean size of its changes that are not
	// zero, about one tick for a price; see noteMove), so that tick-sized
	// moves of an instrument that seldom moves are not outliers; with it,
	// nothing is scored until the series has moved once. >= 0, 0 turns it
	// off. Default 1.
	MinStddevMove float64 `yaml:"min_stddev_move"`
	// Cooldown is how many returns after a flag are not flagged, >= 0.
	// Default 0.
	Cooldown int `yaml:"cooldown"`
}

func (c *EWMAConfig) validate(v *validator, key string) {
	moveConfig(v, key, c.MinStddevMove)
	statsConfig(v, key, c.Attributes, c.Change, c.Alpha, c.Warmup, c.MinStddev)
	v.open(key+".threshold", c.Threshold, 0, math.Inf(1), "want a number > 0")
	v.intRange(key+".cooldown", c.Cooldown, 0, maxEvents, "want an integer >= 0")
}

// ewmaState is the ewma state of one (instrument, attribute).
type ewmaState struct {
	Last  last
	Stats ewStats
	Move  float64 // typical move, see noteMove
	Cool  int32
}

// ewma is the ewma detector. Score is 1 - threshold/|z|.
type ewma struct {
	tabled[ewmaState, EWMAConfig]
}

func newEWMA(ps []Params) *ewma {
	return &ewma{newTabled[ewmaState](ps, func(p *Params) EWMAConfig { return p.EWMA }, ps[0].EWMA.Attributes)}
}

func (d *ewma) name() string { return "ewma" }

func (d *ewma) observe(ix, g int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
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
			sd := max(st.Stats.stddev(c.MinStddev), c.MinStddevMove*st.Move)
			z := (r - st.Stats.Mean) / sd
			d.lv.note(math.Abs(z)/c.Threshold, a, x, prev)
			if st.Cool > 0 {
				st.Cool--
			} else if math.Abs(z) > c.Threshold {
				out = append(out, d.row(c, diff, ev, name, x, prev, z, sd))
				st.Cool = int32(c.Cooldown)
			}
		} else if st.Cool > 0 {
			st.Cool--
		}
		noteMove(&st.Move, r, moveScale(x, diff))
		st.Stats.add(r, c.Alpha)
	}
	return out
}

// row builds the finding, e.g. reason "price 105 is +5% from previous 100:
// z-score +48.7 against the weighted returns (sd 0.1%); threshold 6".
func (d *ewma) row(c *EWMAConfig, diff bool, ev *schemas.Event, attr string, x, prev, z, sd float64) schemas.Anomaly {
	b := append(d.buf[:0], attr...)
	b = append(b, ' ')
	b = appendNum(b, x)
	b = append(b, " is "...)
	b = appendMove(b, x, prev, diff)
	b = append(b, " from previous "...)
	b = appendNum(b, prev)
	b = append(b, ": z-score "...)
	b = appendOver(b, z, c.Threshold, true)
	b = append(b, " against the weighted"...)
	b = append(b, changes(diff)...)
	b = append(b, " (sd "...)
	b = appendRet(b, sd, diff, false)
	b = append(b, "); threshold "...)
	b = appendFixed(b, c.Threshold, 2)
	d.buf = b
	return eventAnomaly(ev, d.name(), attr, x, prev, c.Threshold,
		excess(math.Abs(z), c.Threshold), b)
}
