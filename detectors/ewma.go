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
	// Alpha is the weight of each new return, in (0, 1]. Default 0.05
	// (a memory of about 20 returns).
	Alpha float64 `yaml:"alpha"`
	// Threshold is the |z| flagged, > 0. Default 6.
	Threshold float64 `yaml:"threshold"`
	// Warmup is how many returns are folded in before any flag, >= 1.
	// Default 30.
	Warmup int `yaml:"warmup"`
	// MinStddev floors the standard deviation of log returns, >= 0.
	// Default 0.0001.
	MinStddev float64 `yaml:"min_stddev"`
	// Cooldown is how many returns after a flag are not flagged, >= 0.
	// Default 0.
	Cooldown int `yaml:"cooldown"`
}

func (c *EWMAConfig) validate(v *validator, key string) {
	statsConfig(v, key, c.Attributes, c.Alpha, c.Warmup, c.MinStddev)
	v.open(key+".threshold", c.Threshold, 0, math.Inf(1), "want a number > 0")
	v.intRange(key+".cooldown", c.Cooldown, 0, maxEvents, "want an integer >= 0")
}

// ewmaState is the ewma state of one (instrument, attribute).
type ewmaState struct {
	Last  last
	Stats ewStats
	Cool  int32
}

// ewma is the ewma detector. Score is 1 - threshold/|z|.
type ewma struct {
	cfg EWMAConfig
	tab table[ewmaState]
	buf []byte
}

func newEWMA(c EWMAConfig) *ewma {
	return &ewma{cfg: c, tab: newTable[ewmaState](c.Attributes)}
}

func (d *ewma) name() string                      { return "ewma" }
func (d *ewma) add(string)                        { d.tab.add() }
func (d *ewma) save() ([]byte, error)             { return d.tab.save() }
func (d *ewma) load(b []byte, ids []string) error { return d.tab.load(b, ids) }
func (d *ewma) stateBytes() int                   { return d.tab.bytes() }

func (d *ewma) observe(ix int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
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
		if st.Cool > 0 {
			st.Cool--
		} else if st.Stats.N >= int64(d.cfg.Warmup) {
			sd := st.Stats.stddev(d.cfg.MinStddev)
			if z := (r - st.Stats.Mean) / sd; math.Abs(z) > d.cfg.Threshold {
				out = append(out, d.row(ev, name, x, prev, z, sd))
				st.Cool = int32(d.cfg.Cooldown)
			}
		}
		st.Stats.add(r, d.cfg.Alpha)
	}
	return out
}

// row builds the finding, e.g. reason "price 105 is +5% from previous 100:
// z-score +48.7 against the weighted returns (sd 0.1%); threshold 6".
func (d *ewma) row(ev *schemas.Event, attr string, x, prev, z, sd float64) schemas.Anomaly {
	b := append(d.buf[:0], attr...)
	b = append(b, ' ')
	b = appendNum(b, x)
	b = append(b, " is "...)
	b = appendPct(b, x/prev-1, true)
	b = append(b, " from previous "...)
	b = appendNum(b, prev)
	b = append(b, ": z-score "...)
	b = appendOver(b, z, d.cfg.Threshold, true)
	b = append(b, " against the weighted returns (sd "...)
	b = appendPct(b, sd, false)
	b = append(b, "); threshold "...)
	b = appendFixed(b, d.cfg.Threshold, 2)
	d.buf = b
	return schemas.Anomaly{
		InstrumentID: ev.InstrumentID,
		EventTime:    ev.EventTime,
		Detector:     d.name(),
		Attribute:    attr,
		Observed:     x,
		Expected:     prev,
		Threshold:    d.cfg.Threshold,
		Score:        excess(math.Abs(z), d.cfg.Threshold),
		Reason:       string(b),
		SrcPartition: ev.Partition,
		SrcOffset:    ev.Offset,
	}
}
