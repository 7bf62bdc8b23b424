package detectors

import (
	"math"

	"pricewatch/schemas"
)

// LimitBandConfig is the `limit_band` detector: a price is outside ±band of
// the instrument's latest base price (an attribute of its events, such as
// a reference or previous close price). Upserts and corrections are checked,
// deletes are not; an event carrying both sets the base first. A finding's
// Expected is the base and Threshold the band.
type LimitBandConfig struct {
	// Enabled turns the detector on. Default true.
	Enabled bool `yaml:"enabled"`
	// Attributes are the prices checked. Default [price].
	Attributes []string `yaml:"attributes"`
	// BaseAttribute holds the base price; a positive finite number sets it,
	// a null clears it. Default base_price.
	BaseAttribute string `yaml:"base_attribute"`
	// Band is the relative distance from the base allowed, > 0.
	// Default 0.30 (±30%).
	Band float64 `yaml:"band"`
	// Cooldown is how many checked events of the instrument after a flag
	// are not flagged, >= 0, so a price that stays outside the band gives
	// one row per cooldown+1 events. Default 0: every one is flagged.
	Cooldown int `yaml:"cooldown"`
}

func (c *LimitBandConfig) validate(v *validator, key string) {
	v.attrs(key+".attributes", c.Attributes)
	if c.BaseAttribute == "" {
		v.fail(key+".base_attribute", `""`, "want an attribute name")
	}
	for _, a := range c.Attributes {
		if a == c.BaseAttribute && a != "" {
			v.fail(key+".base_attribute", a, "want an attribute not among attributes")
		}
	}
	v.open(key+".band", c.Band, 0, math.Inf(1), "want a number > 0")
	v.cooldown(key+".cooldown", c.Cooldown)
}

// baseState is the latest base price of one instrument.
type baseState struct {
	Base float64
	Has  bool
	Cool int32 // checked events left in the cooldown
}

// limitBand is the limit_band detector. Score is 1 - band/|x/base - 1|.
type limitBand struct {
	cfgs  []LimitBandConfig
	attrs []string
	base  string
	bases table[baseState] // one row per instrument
	lv    lvl
	buf   []byte
}

func newLimitBand(ps []Params) *limitBand {
	c := ps[0].LimitBand
	d := &limitBand{
		cfgs:  each(ps, func(p *Params) LimitBandConfig { return p.LimitBand }),
		attrs: c.Attributes, base: c.BaseAttribute,
		bases: newTable[baseState]([]string{c.BaseAttribute}),
	}
	d.lv.Names = d.attrs
	return d
}

func (d *limitBand) name() string                                 { return "limit_band" }
func (d *limitBand) add(string, int32)                            { d.bases.add() }
func (d *limitBand) save(b []byte) ([]byte, error)                { return d.bases.save(b) }
func (d *limitBand) load(b []byte, ids []string, _ []int32) error { return d.bases.load(b, ids) }
func (d *limitBand) stateBytes() int                              { return d.bases.bytes() }
func (d *limitBand) level() *lvl                                  { return &d.lv }

func (d *limitBand) observe(ix, g int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
	d.lv.R = 0
	c := &d.cfgs[g]
	if ev.Op == schemas.OpDelete || !c.Enabled {
		return out
	}
	st := d.bases.at(ix, 0)
	if v, ok := ev.Attr(d.base); ok {
		switch {
		case v.Kind == schemas.KindNull:
			st.Has = false
		case v.Kind == schemas.KindNumber && v.Num > 0 && finite(v.Num):
			st.Base, st.Has = v.Num, true
		}
	}
	if !st.Has {
		return out
	}
	cooling, checked, flagged := st.Cool > 0, false, false
	for a, name := range d.attrs {
		x, ok := ev.Num(name)
		if !ok || !finite(x) {
			continue
		}
		checked = true
		dev := x/st.Base - 1
		d.lv.note(math.Abs(dev)/c.Band, a, x, st.Base)
		if !cooling && math.Abs(dev) > c.Band {
			out = append(out, d.row(c, ev, name, x, st.Base, dev))
			flagged = true
		}
	}
	switch {
	case flagged:
		st.Cool = int32(c.Cooldown)
	case checked && cooling:
		st.Cool--
	}
	return out
}

// row builds the finding, e.g. reason
// "price 140 is 40% above base_price 100; band ±30%".
func (d *limitBand) row(c *LimitBandConfig, ev *schemas.Event, attr string, x, base, dev float64) schemas.Anomaly {
	b := append(d.buf[:0], attr...)
	b = append(b, ' ')
	b = appendNum(b, x)
	b = append(b, " is "...)
	b = appendPct(b, math.Abs(dev), false)
	if dev > 0 {
		b = append(b, " above "...)
	} else {
		b = append(b, " below "...)
	}
	b = append(b, d.base...)
	b = append(b, ' ')
	b = appendNum(b, base)
	b = append(b, "; band ±"...)
	b = appendPct(b, c.Band, false)
	d.buf = b
	return eventAnomaly(ev, d.name(), attr, x, base, c.Band,
		excess(math.Abs(dev), c.Band), b)
}
