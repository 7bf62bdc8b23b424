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
}

func (c *JumpConfig) validate(v *validator, key string) {
	v.attrs(key+".attributes", c.Attributes)
	v.open(key+".threshold", c.Threshold, 0, 1, "want a number in (0, 1]")
}

// jump is the jump detector. Score is 1 - threshold/|change|: 0 at the
// threshold, 0.5 at twice it.
type jump struct {
	thr float64
	tab table[last]
	buf []byte
}

func newJump(c JumpConfig) *jump {
	return &jump{thr: c.Threshold, tab: newTable[last](c.Attributes)}
}

func (d *jump) name() string                      { return "jump" }
func (d *jump) add(string)                        { d.tab.add() }
func (d *jump) save() ([]byte, error)             { return d.tab.save() }
func (d *jump) load(b []byte, ids []string) error { return d.tab.load(b, ids) }
func (d *jump) stateBytes() int                   { return d.tab.bytes() }

func (d *jump) observe(ix int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
	for a, name := range d.tab.attrs {
		v, ok := ev.Attr(name)
		if !ok {
			continue
		}
		x, prev, ok := d.tab.at(ix, a).tick(ev.Op, v, ev.EventTime)
		if !ok || !(prev > 0) {
			continue
		}
		if change := x/prev - 1; math.Abs(change) > d.thr {
			out = append(out, d.row(ev, name, x, prev, change))
		}
	}
	return out
}

// row builds the finding, e.g. reason
// "price 91,500 is 31.3% above previous 69,700; threshold 5%".
func (d *jump) row(ev *schemas.Event, attr string, x, prev, change float64) schemas.Anomaly {
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
	b = appendPct(b, d.thr, false)
	d.buf = b
	return schemas.Anomaly{
		InstrumentID: ev.InstrumentID,
		EventTime:    ev.EventTime,
		Detector:     d.name(),
		Attribute:    attr,
		Observed:     x,
		Expected:     prev,
		Threshold:    d.thr,
		Score:        excess(math.Abs(change), d.thr),
		Reason:       string(b),
		SrcPartition: ev.Partition,
		SrcOffset:    ev.Offset,
	}
}
