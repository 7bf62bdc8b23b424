package detectors

import (
	"math"

	"pricewatch/schemas"
)

// ZScoreConfig is the `zscore` detector: the log return of a tick,
// ln(x/prev), is more than threshold standard deviations from the mean of
// the instrument's previous window returns of the attribute. The current
// return is scored against the past ones only, then joins the window.
type ZScoreConfig struct {
	// Enabled turns the detector on. Default true.
	Enabled bool `yaml:"enabled"`
	// Attributes are the numeric attributes checked. Default [price].
	Attributes []string `yaml:"attributes"`
	// Window is how many past returns the mean and deviation are taken
	// over, 2 to 100000. Default 100.
	Window int `yaml:"window"`
	// Threshold is the |z| flagged, > 0. Default 6.
	Threshold float64 `yaml:"threshold"`
	// MinEvents is how many past returns the window must hold before any
	// flag, 2 to window. Default 30.
	MinEvents int `yaml:"min_events"`
	// MinStddev floors the standard deviation of log returns, so a flat
	// series does not turn a one-tick move into an infinite z; >= 0.
	// Default 0.0001 (1 basis point).
	MinStddev float64 `yaml:"min_stddev"`
	// Cooldown is how many returns after a flag are not flagged, >= 0.
	// Default 0: the flagged return joins the window and widens its
	// deviation, which already damps flags on the ticks that follow.
	Cooldown int `yaml:"cooldown"`
}

func (c *ZScoreConfig) validate(v *validator, key string) {
	v.attrs(key+".attributes", c.Attributes)
	v.intRange(key+".window", c.Window, 2, maxWindow, "want an integer from 2 to 100000")
	v.open(key+".threshold", c.Threshold, 0, math.Inf(1), "want a number > 0")
	v.intRange(key+".min_events", c.MinEvents, 2, max(2, c.Window), "want an integer from 2 to window")
	if !(c.MinStddev >= 0) || math.IsInf(c.MinStddev, 0) {
		v.fail(key+".min_stddev", c.MinStddev, "want a number >= 0")
	}
	v.intRange(key+".cooldown", c.Cooldown, 0, maxEvents, "want an integer >= 0")
}

// zState is the zscore state of one (instrument, attribute).
type zState struct {
	Last last
	W    roll
	Cool int32 // returns left in the cooldown
}

// zscore is the zscore detector. Score is 1 - threshold/|z|.
type zscore struct {
	cfg ZScoreConfig
	tab table[zState]
	buf []byte
}

func newZScore(c ZScoreConfig) *zscore {
	return &zscore{cfg: c, tab: newTable[zState](c.Attributes)}
}

func (d *zscore) name() string          { return "zscore" }
func (d *zscore) add(string)            { d.tab.add() }
func (d *zscore) save() ([]byte, error) { return d.tab.save() }

func (d *zscore) load(b []byte, ids []string) error {
	if err := d.tab.load(b, ids); err != nil {
		return err
	}
	for i := range d.tab.rows {
		d.tab.rows[i].W.resize(d.cfg.Window)
	}
	return nil
}

func (d *zscore) stateBytes() int {
	n := d.tab.bytes()
	for i := range d.tab.rows {
		n += 8 * cap(d.tab.rows[i].W.Buf)
	}
	return n
}

func (d *zscore) observe(ix int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
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
		} else if int(st.W.N) >= d.cfg.MinEvents {
			sd := st.W.stddev(d.cfg.MinStddev)
			if z := (r - st.W.Mean) / sd; math.Abs(z) > d.cfg.Threshold {
				out = append(out, d.row(ev, name, x, prev, z, st.W.Mean, sd, int(st.W.N)))
				st.Cool = int32(d.cfg.Cooldown)
			}
		}
		st.W.push(r, d.cfg.Window)
	}
	return out
}

// row builds the finding, e.g. reason "price 105 is +5% from previous 100:
// z-score +48.7 against the last 100 returns (mean +0.001%, sd 0.1%);
// threshold 6".
func (d *zscore) row(ev *schemas.Event, attr string, x, prev, z, mean, sd float64, n int) schemas.Anomaly {
	b := append(d.buf[:0], attr...)
	b = append(b, ' ')
	b = appendNum(b, x)
	b = append(b, " is "...)
	b = appendPct(b, x/prev-1, true)
	b = append(b, " from previous "...)
	b = appendNum(b, prev)
	b = append(b, ": z-score "...)
	b = appendOver(b, z, d.cfg.Threshold, true)
	b = append(b, " against the last "...)
	b = appendFixed(b, float64(n), 0)
	b = append(b, " returns (mean "...)
	b = appendPct(b, mean, true)
	b = append(b, ", sd "...)
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
