package detectors

import (
	"math"

	"pricewatch/schemas"
)

// JumpConfig is the `jump` detector: the relative change |x/prev - 1| of an
// attribute from its previous value for the same instrument is above
// threshold. See the tick rules of the package doc for corrections, deletes,
// nulls and non-positive values.
type JumpConfig struct {
	// Enabled turns the detector on. Default true.
	Enabled bool `yaml:"enabled"`
	// Attributes are the numeric attributes checked. Default [price].
	Attributes []string `yaml:"attributes"`
	// Threshold is the relative change flagged, in (0, 1]. Default 0.05 (5%).
	Threshold float64 `yaml:"threshold"`
	// Cooldown is how many ticks of the instrument and attribute after a
	// flag are not flagged, >= 0. Default 0.
	Cooldown int `yaml:"cooldown"`
}

func (c *JumpConfig) validate(v *validator, key string) {
	v.attrs(key+".attributes", c.Attributes)
	v.open(key+".threshold", c.Threshold, 0, 1, "want a number in (0, 1]")
	v.cooldown(key+".cooldown", c.Cooldown)
}

// jumpState is the jump state of one (instrument, attribute).
type jumpState struct {
	Last last
	Cool int32 // ticks left in the cooldown
}

// jump is the jump detector. Score is 1 - threshold/|change|: 0 at the
// threshold, 0.5 at twice it.
type jump struct {
	tabled[jumpState, JumpConfig]
}

func newJump(ps []Params) *jump {
	return &jump{newTabled[jumpState](ps, func(p *Params) JumpConfig { return p.Jump }, ps[0].Jump.Attributes)}
}

func (d *jump) name() string { return "jump" }

func (d *jump) observe(ix, g int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
	d.lv.R = 0
	c := &d.cfgs[g]
	if !c.Enabled {
		return out
	}
	for a, name := range d.tab.attrs {
		v, ok := ev.Attr(name)
		if !ok {
			continue
		}
		st := d.tab.at(ix, a)
		x, prev, ok := st.Last.tick(ev.Op, v, ev.EventTime, false)
		if !ok || !(prev > 0) {
			continue
		}
		change := x/prev - 1
		d.lv.note(math.Abs(change)/c.Threshold, a, x, prev)
		if st.Cool > 0 {
			st.Cool--
		} else if math.Abs(change) > c.Threshold {
			out = append(out, d.row(c, ev, name, x, prev, change))
			st.Cool = int32(c.Cooldown)
		}
	}
	return out
}

// row builds the finding, e.g. reason
// "price 91,500 is 31.3% above previous 69,700; threshold 5%".
func (d *jump) row(c *JumpConfig, ev *schemas.Event, attr string, x, prev, change float64) schemas.Anomaly {
	b := append(d.buf[:0], attr...)
	b = append(b, ' ')
	b = appendNum(b, x)
	b = append(b, " is "...)
	b = appendPct(b, math.Abs(change), false)
	if change > 0 {
		b = append(b, " above previous "...)
	} else {
		b = append(b, " below previous "...)
	}
	b = appendNum(b, prev)
	b = append(b, "; threshold "...)
	b = appendPct(b, c.Threshold, false)
	d.buf = b
	return eventAnomaly(ev, d.name(), attr, x, prev, c.Threshold,
		excess(math.Abs(change), c.Threshold), b)
}
