package detectors

import (
	"math"
	"strconv"

	"pricewatch/schemas"
)

// InvalidConfig is the `invalid` detector: a price that is not a number
// (a string), not finite, not positive, or, with tick_size > 0, not a
// multiple of the tick size. Upserts and corrections are checked, deletes
// and nulls are not. It keeps no state.
//
// An off-tick finding has Expected the nearest multiple of the tick and
// Threshold the tick size; the others have Expected and Threshold 0, and
// Observed 0 for a string.
type InvalidConfig struct {
	// Enabled turns the detector on. Default true.
	Enabled bool `yaml:"enabled"`
	// Attributes are the prices checked. Default [price].
	Attributes []string `yaml:"attributes"`
	// TickSize is the price increment, >= 0; 0 turns the tick check off.
	// A price within a millionth of a tick of a multiple is on tick
	// (within a relative 1e-14 for prices of more than 1e8 ticks).
	// Default 0.
	TickSize float64 `yaml:"tick_size"`
}

func (c *InvalidConfig) validate(v *validator, key string) {
	v.attrs(key+".attributes", c.Attributes)
	if !(c.TickSize >= 0) || math.IsInf(c.TickSize, 0) {
		v.fail(key+".tick_size", c.TickSize, "want a number >= 0 (0 turns the tick check off)")
	}
}

// invalid is the invalid detector. Strings, non-finite and non-positive
// values score 1, off-tick values 2*|distance to the nearest tick| in ticks
// (1 halfway between two).
type invalid struct {
	cfgs  []InvalidConfig
	tdecs []int // decimals of each tick size, to round the nearest tick
	attrs []string
	lv    lvl
	buf   []byte
}

func newInvalid(ps []Params) *invalid {
	d := &invalid{cfgs: each(ps, func(p *Params) InvalidConfig { return p.Invalid }), attrs: ps[0].Invalid.Attributes}
	d.lv.Names = d.attrs
	for _, c := range d.cfgs {
		s, tdec := strconv.FormatFloat(c.TickSize, 'f', -1, 64), 0
		for i := range s {
			if s[i] == '.' {
				tdec = len(s) - i - 1
			}
		}
		d.tdecs = append(d.tdecs, tdec)
	}
	return d
}

func (d *invalid) name() string                         { return "invalid" }
func (d *invalid) add(string, int32)                    {}
func (d *invalid) save(b []byte) ([]byte, error)        { return b, nil }
func (d *invalid) load([]byte, []string, []int32) error { return nil }
func (d *invalid) stateBytes() int                      { return 0 }
func (d *invalid) level() *lvl                          { return &d.lv }

// Kinds of invalid values.
const (
	invString = iota
	invNonFinite
	invNonPositive
	invOffTick
)

func (d *invalid) observe(_, g int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
	d.lv.R = 0
	c := &d.cfgs[g]
	if ev.Op == schemas.OpDelete || !c.Enabled {
		return out
	}
	mark := len(out)
	for _, name := range d.attrs {
		v, ok := ev.Attr(name)
		if !ok {
			continue
		}
		x := v.Num
		switch {
		case v.Kind == schemas.KindString:
			out = append(out, d.row(c, ev, name, 0, 0, invString, 1))
		case v.Kind != schemas.KindNumber:
		case !finite(x):
			out = append(out, d.row(c, ev, name, x, 0, invNonFinite, 1))
		case x <= 0:
			out = append(out, d.row(c, ev, name, x, 0, invNonPositive, 1))
		case c.TickSize > 0:
			r := x / c.TickSize
			n := math.Round(r)
			if off := math.Abs(r - n); off > max(1e-6, r*1e-14) {
				p := math.Pow10(d.tdecs[g])
				near := math.Round(n*c.TickSize*p) / p
				out = append(out, d.row(c, ev, name, x, near, invOffTick, min(1, 2*off)))
			}
		}
	}
	for i := mark; i < len(out); i++ {
		a := &out[i]
		for i, name := range d.attrs {
			if name == a.Attribute {
				d.lv.noteScore(a.Score, i, a.Observed, a.Expected)
			}
		}
	}
	return out
}

// row builds the finding; the reason is one of "price is a string, not a
// number", "price NaN is not a finite number", "price -5 is not positive"
// or "price 100.07 is off the 0.05 tick; nearest 100.05".
func (d *invalid) row(c *InvalidConfig, ev *schemas.Event, attr string, x, near float64, kind int, score float64) schemas.Anomaly {
	b := append(d.buf[:0], attr...)
	thr := 0.0
	switch kind {
	case invString:
		b = append(b, " is a string, not a number"...)
	case invNonFinite:
		b = append(b, ' ')
		b = appendNum(b, x)
		b = append(b, " is not a finite number"...)
	case invNonPositive:
		b = append(b, ' ')
		b = appendNum(b, x)
		b = append(b, " is not positive"...)
	case invOffTick:
		thr = c.TickSize
		b = append(b, ' ')
		b = appendNum(b, x)
		b = append(b, " is off the "...)
		b = appendNum(b, thr)
		b = append(b, " tick; nearest "...)
		b = appendNum(b, near)
	}
	d.buf = b
	return eventAnomaly(ev, d.name(), attr, x, near, thr,
		score, b)
}
