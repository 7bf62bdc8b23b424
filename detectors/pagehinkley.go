package detectors

import (
	"math"

	"pricewatch/schemas"
)

// PageHinkleyConfig is the `page_hinkley` detector: the two-sided
// Page-Hinkley test on an instrument's standardized log returns z (as in
// cusum). With zbar the mean of z since the last restart, it sums
// m+ += z - zbar - delta and m- += zbar - z - delta and flags when a sum
// rises more than threshold above its lowest point; the test then
// restarts. It catches a change in the mean return (a new trend).
type PageHinkleyConfig struct {
	// Enabled turns the detector on. Default false.
	Enabled bool `yaml:"enabled"`
	// Attributes are the numeric attributes checked. Default [price].
	Attributes []string `yaml:"attributes"`
	// Change is what is scored: "log" (log returns) or "diff"
	// (differences, for series that may be zero or negative; min_stddev
	// is then in the attribute's unit). Default "log".
	Change string `yaml:"change"`
	// Alpha is the weight of each return in the mean and sd used to
	// standardize, in (0, 1]. Default 0.01.
	Alpha float64 `yaml:"alpha"`
	// Delta is the magnitude of change tolerated, in sd, >= 0. Default 0.5.
	Delta float64 `yaml:"delta"`
	// Threshold is the rise (lambda) flagged, > 0. Default 20.
	Threshold float64 `yaml:"threshold"`
	// Warmup is how many returns are folded in before testing, >= 1.
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
	// alarm in the cooldown restarts the test silently. Default 0.
	Cooldown int `yaml:"cooldown"`
}

func (c *PageHinkleyConfig) validate(v *validator, key string) {
	moveConfig(v, key, c.MinStddevMove)
	statsConfig(v, key, c.Attributes, c.Change, c.Alpha, c.Warmup, c.MinStddev)
	v.cooldown(key+".cooldown", c.Cooldown)
	if !(c.Delta >= 0) || math.IsInf(c.Delta, 0) {
		v.fail(key+".delta", c.Delta, "want a number >= 0")
	}
	v.open(key+".threshold", c.Threshold, 0, math.Inf(1), "want a number > 0")
}

// phState is the page_hinkley state of one (instrument, attribute).
type phState struct {
	Last          last
	Stats         ewStats
	N             int64   // returns since the restart
	ZBar          float64 // their mean z
	Up, UpMin     float64
	Down, DownMin float64
	Move          float64 // typical move, see noteMove
	Cool          int32
}

// pageHinkley is the page_hinkley detector. Observed is the value,
// Expected the previous one, Threshold lambda and Score 1 - lambda/rise.
type pageHinkley struct {
	tabled[phState, PageHinkleyConfig]
}

func newPageHinkley(ps []Params) *pageHinkley {
	return &pageHinkley{newTabled[phState](ps, func(p *Params) PageHinkleyConfig { return p.PageHinkley }, ps[0].PageHinkley.Attributes)}
}

func (d *pageHinkley) name() string { return "page_hinkley" }

func (d *pageHinkley) observe(ix, g int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
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
			rise, up := d.test(c, st, z)
			d.lv.note(rise/c.Threshold, a, x, prev)
			cooling := st.Cool > 0
			if cooling {
				st.Cool--
			}
			if rise > c.Threshold {
				cool := st.Cool
				if !cooling {
					out = append(out, d.row(c, diff, ev, name, x, prev, rise, up))
					cool = int32(c.Cooldown)
				}
				*st = phState{Last: st.Last, Stats: st.Stats, Move: st.Move, Cool: cool}
			}
		}
		noteMove(&st.Move, r, moveScale(x, diff))
		st.Stats.add(r, c.Alpha)
	}
	return out
}

// test folds z into both sums and returns the larger rise and its side.
func (d *pageHinkley) test(c *PageHinkleyConfig, st *phState, z float64) (rise float64, up bool) {
	st.N++
	st.ZBar += (z - st.ZBar) / float64(st.N)
	st.Up += z - st.ZBar - c.Delta
	st.UpMin = min(st.UpMin, st.Up)
	st.Down += st.ZBar - z - c.Delta
	st.DownMin = min(st.DownMin, st.Down)
	ru, rd := st.Up-st.UpMin, st.Down-st.DownMin
	if ru >= rd {
		return ru, true
	}
	return rd, false
}

// row builds the finding, e.g. reason "price 103.2 is +0.5% from previous
// 102.7: Page-Hinkley rise 21.3 sd, mean return up; threshold 20,
// delta 0.5".
func (d *pageHinkley) row(c *PageHinkleyConfig, diff bool, ev *schemas.Event, attr string, x, prev, rise float64, up bool) schemas.Anomaly {
	b := append(d.buf[:0], attr...)
	b = append(b, ' ')
	b = appendNum(b, x)
	b = append(b, " is "...)
	b = appendMove(b, x, prev, diff)
	b = append(b, " from previous "...)
	b = appendNum(b, prev)
	b = append(b, ": Page-Hinkley rise "...)
	b = appendOver(b, rise, c.Threshold, false)
	b = append(b, " sd, mean"...)
	b = append(b, changes(diff)[:len(changes(diff))-1]...)
	if up {
		b = append(b, " up"...)
	} else {
		b = append(b, " down"...)
	}
	b = append(b, "; threshold "...)
	b = appendFixed(b, c.Threshold, 2)
	b = append(b, ", delta "...)
	b = appendFixed(b, c.Delta, 2)
	d.buf = b
	return eventAnomaly(ev, d.name(), attr, x, prev, c.Threshold,
		excess(rise, c.Threshold), b)
}
