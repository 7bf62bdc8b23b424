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
	// Change is what is scored: "log" (log returns; values must be
	// positive) or "diff" (differences x - prev, for series that may be
	// zero or negative; min_stddev is then in the attribute's unit).
	// Default "log".
	Change string `yaml:"change"`
	// Window is how many past returns the mean and deviation are taken
	// over, 2 to 100000. Default 100.
	Window int `yaml:"window"`
	// Threshold is the |z| flagged, > 0. Default 7.
	Threshold float64 `yaml:"threshold"`
	// MinEvents is how many past returns the window must hold before any
	// flag, 2 to window. Default 30.
	MinEvents int `yaml:"min_events"`
	// MinStddev floors the standard deviation of log returns, so a flat
	// series does not turn a one-tick move into an infinite z; >= 0.
	// Default 0.0001 (1 basis point).
	MinStddev float64 `yaml:"min_stddev"`
	// MinStddevMove floors the sd at this fraction of the instrument's
	// typical move (the weighted mean size of its changes that are not
	// zero, about one tick for a price; see noteMove), so that tick-sized
	// moves of an instrument that seldom moves are not outliers; with it,
	// nothing is scored until the series has moved once. >= 0, 0 turns it
	// off. Default 1.
	MinStddevMove float64 `yaml:"min_stddev_move"`
	// Cooldown is how many returns after a flag are not flagged, >= 0.
	// Default 0: the flagged return joins the window and widens its
	// deviation, which already damps flags on the ticks that follow.
	Cooldown int `yaml:"cooldown"`
}

func (c *ZScoreConfig) validate(v *validator, key string) {
	moveConfig(v, key, c.MinStddevMove)
	v.attrs(key+".attributes", c.Attributes)
	v.change(key+".change", c.Change)
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
	Move float64 // typical move, see noteMove
	Cool int32   // returns left in the cooldown
}

// zscore is the zscore detector. Score is 1 - threshold/|z|.
type zscore struct {
	tabled[zState, ZScoreConfig]
}

func newZScore(ps []Params) *zscore {
	return &zscore{newTabled[zState](ps, func(p *Params) ZScoreConfig { return p.ZScore }, ps[0].ZScore.Attributes)}
}

func (d *zscore) name() string { return "zscore" }

func (d *zscore) load(b []byte, ids []string, grp []int32) error {
	if err := d.tab.load(b, ids); err != nil {
		return err
	}
	for i := range d.tab.rows {
		d.tab.rows[i].W.resize(d.cfgs[grp[i/d.tab.rowsPer()]].Window)
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

func (d *zscore) observe(ix, g int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
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
		if int(st.W.N) >= c.MinEvents && (st.Move > 0 || c.MinStddevMove == 0) {
			sd := max(st.W.stddev(c.MinStddev), c.MinStddevMove*st.Move)
			z := (r - st.W.Mean) / sd
			d.lv.note(math.Abs(z)/c.Threshold, a, x, prev)
			if st.Cool > 0 {
				st.Cool--
			} else if math.Abs(z) > c.Threshold {
				out = append(out, d.row(c, diff, ev, name, x, prev, z, st.W.Mean, sd, int(st.W.N)))
				st.Cool = int32(c.Cooldown)
			}
		} else if st.Cool > 0 {
			st.Cool--
		}
		noteMove(&st.Move, r, moveScale(x, diff))
		st.W.push(r, c.Window)
	}
	return out
}

// row builds the finding, e.g. reason "price 105 is +5% from previous 100:
// z-score +48.7 against the last 100 returns (mean +0.001%, sd 0.1%);
// threshold 6".
func (d *zscore) row(c *ZScoreConfig, diff bool, ev *schemas.Event, attr string, x, prev, z, mean, sd float64, n int) schemas.Anomaly {
	b := append(d.buf[:0], attr...)
	b = append(b, ' ')
	b = appendNum(b, x)
	b = append(b, " is "...)
	b = appendMove(b, x, prev, diff)
	b = append(b, " from previous "...)
	b = appendNum(b, prev)
	b = append(b, ": z-score "...)
	b = appendOver(b, z, c.Threshold, true)
	b = append(b, " against the last "...)
	b = appendFixed(b, float64(n), 0)
	b = append(b, changes(diff)...)
	b = append(b, " (mean "...)
	b = appendRet(b, mean, diff, true)
	b = append(b, ", sd "...)
	b = appendRet(b, sd, diff, false)
	b = append(b, "); threshold "...)
	b = appendFixed(b, c.Threshold, 2)
	d.buf = b
	return eventAnomaly(ev, d.name(), attr, x, prev, c.Threshold,
		excess(math.Abs(z), c.Threshold), b)
}
