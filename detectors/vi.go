package detectors

import (
	"math"

	"pricewatch/schemas"
)

// VIConfig is the `volatility_interruption` detector, as the Korea Exchange
// applies it: a dynamic band around the instrument's last price (a trade
// that moves the price more than DynamicBand from the one before it) and a
// static band around its reference price (the latest BaseAttribute, such
// as the opening single-price auction's price) of StaticBand. A finding's
// Expected is the price the band is around and Threshold the band.
type VIConfig struct {
	// Enabled turns the detector on. Default false.
	Enabled bool `yaml:"enabled"`
	// Attributes are the prices checked. Default [price].
	Attributes []string `yaml:"attributes"`
	// BaseAttribute holds the static band's reference price. Default
	// base_price.
	BaseAttribute string `yaml:"base_attribute"`
	// DynamicBand is the move from the last price that triggers, > 0.
	// Default 0.03 (KOSPI 200 constituents; 0.06 for others).
	DynamicBand float64 `yaml:"dynamic_band"`
	// StaticBand is the distance from the reference price that triggers,
	// > 0. Default 0.10.
	StaticBand float64 `yaml:"static_band"`
	// Cooldown is how many checked events of the instrument after a flag
	// are not flagged, >= 0. Default 0.
	Cooldown int `yaml:"cooldown"`
}

func (c *VIConfig) validate(v *validator, key string) {
	v.attrs(key+".attributes", c.Attributes)
	if c.BaseAttribute == "" {
		v.fail(key+".base_attribute", `""`, "want an attribute name")
	}
	v.open(key+".dynamic_band", c.DynamicBand, 0, math.Inf(1), "want a number > 0")
	v.open(key+".static_band", c.StaticBand, 0, math.Inf(1), "want a number > 0")
	v.cooldown(key+".cooldown", c.Cooldown)
}

// viState is one instrument's reference prices.
type viState struct {
	Last, Base       float64
	HasLast, HasBase bool
	Cool             int32
}

// vi is the volatility_interruption detector. Score is 1 - band/|move|.
type vi struct {
	cfgs   []VIConfig
	attrs  []string
	base   string
	states table[viState] // one row per (instrument, attribute)
	lv     lvl
	buf    []byte
}

func newVI(ps []Params) *vi {
	c := ps[0].VI
	d := &vi{
		cfgs:  each(ps, func(p *Params) VIConfig { return p.VI }),
		attrs: c.Attributes, base: c.BaseAttribute,
		states: newTable[viState](c.Attributes),
	}
	d.lv.Names = d.attrs
	return d
}

func (d *vi) name() string                                 { return "volatility_interruption" }
func (d *vi) add(string, int32)                            { d.states.add() }
func (d *vi) save(b []byte) ([]byte, error)                { return d.states.save(b) }
func (d *vi) load(b []byte, ids []string, _ []int32) error { return d.states.load(b, ids) }
func (d *vi) stateBytes() int                              { return d.states.bytes() }
func (d *vi) level() *lvl                                  { return &d.lv }

func (d *vi) observe(ix, g int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
	d.lv.R = 0
	c := &d.cfgs[g]
	if ev.Op == schemas.OpDelete || !c.Enabled {
		return out
	}
	base, baseSet := ev.Attr(d.base)
	for a, name := range d.attrs {
		st := d.states.at(ix, a)
		switch {
		case !baseSet:
		case base.Kind == schemas.KindNull:
			st.HasBase = false
		case base.Kind == schemas.KindNumber && base.Num > 0 && finite(base.Num):
			st.Base, st.HasBase = base.Num, true
		}
		x, ok := ev.Num(name)
		if !ok || !finite(x) || x <= 0 {
			continue
		}
		out = d.check(c, st, ev, a, name, x, out)
		st.Last, st.HasLast = x, true
	}
	return out
}

// check flags a price outside the dynamic or the static band (the dynamic
// one first: it is the one that trips on a single trade).
func (d *vi) check(c *VIConfig, st *viState, ev *schemas.Event, a int, name string, x float64, out []schemas.Anomaly) []schemas.Anomaly {
	var dyn, stat float64
	if st.HasLast {
		dyn = x/st.Last - 1
		d.lv.note(math.Abs(dyn)/c.DynamicBand, a, x, st.Last)
	}
	if st.HasBase {
		stat = x/st.Base - 1
		d.lv.note(math.Abs(stat)/c.StaticBand, a, x, st.Base)
	}
	if st.Cool > 0 {
		st.Cool--
		return out
	}
	switch {
	case st.HasLast && math.Abs(dyn) > c.DynamicBand:
		out = append(out, d.row(ev, name, "dynamic", "previous", x, st.Last, dyn, c.DynamicBand))
	case st.HasBase && math.Abs(stat) > c.StaticBand:
		out = append(out, d.row(ev, name, "static", d.base, x, st.Base, stat, c.StaticBand))
	default:
		return out
	}
	st.Cool = int32(c.Cooldown)
	return out
}

// row builds the finding, e.g. reason
// "dynamic VI: price 74,500 is 3.5% above previous 72,000; band ±3%".
func (d *vi) row(ev *schemas.Event, attr, kind, ref string, x, exp, dev, band float64) schemas.Anomaly {
	b := append(d.buf[:0], kind...)
	b = append(b, " VI: "...)
	b = append(b, attr...)
	b = append(b, ' ')
	b = appendNum(b, x)
	b = append(b, " is "...)
	b = appendPct(b, math.Abs(dev), false)
	if dev > 0 {
		b = append(b, " above "...)
	} else {
		b = append(b, " below "...)
	}
	b = append(b, ref...)
	b = append(b, ' ')
	b = appendNum(b, exp)
	b = append(b, "; band ±"...)
	b = appendPct(b, band, false)
	d.buf = b
	return eventAnomaly(ev, d.name(), attr, x, exp, band,
		excess(math.Abs(dev), band), b)
}
