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
}

func (c *PageHinkleyConfig) validate(v *validator, key string) {
	statsConfig(v, key, c.Attributes, c.Alpha, c.Warmup, c.MinStddev)
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
}

// pageHinkley is the page_hinkley detector. Observed is the value,
// Expected the previous one, Threshold lambda and Score 1 - lambda/rise.
type pageHinkley struct {
	cfg PageHinkleyConfig
	tab table[phState]
	buf []byte
}

func newPageHinkley(c PageHinkleyConfig) *pageHinkley {
	return &pageHinkley{cfg: c, tab: newTable[phState](c.Attributes)}
}

func (d *pageHinkley) name() string                      { return "page_hinkley" }
func (d *pageHinkley) add(string)                        { d.tab.add() }
func (d *pageHinkley) save() ([]byte, error)             { return d.tab.save() }
func (d *pageHinkley) load(b []byte, ids []string) error { return d.tab.load(b, ids) }
func (d *pageHinkley) stateBytes() int                   { return d.tab.bytes() }

func (d *pageHinkley) observe(ix int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
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
		if st.Stats.N >= int64(d.cfg.Warmup) {
			z := (r - st.Stats.Mean) / st.Stats.stddev(d.cfg.MinStddev)
			if rise, up := d.test(st, z); rise > d.cfg.Threshold {
				out = append(out, d.row(ev, name, x, prev, rise, up))
				*st = phState{Last: st.Last, Stats: st.Stats}
			}
		}
		st.Stats.add(r, d.cfg.Alpha)
	}
	return out
}

// test folds z into both sums and returns the larger rise and its side.
func (d *pageHinkley) test(st *phState, z float64) (rise float64, up bool) {
	st.N++
	st.ZBar += (z - st.ZBar) / float64(st.N)
	st.Up += z - st.ZBar - d.cfg.Delta
	st.UpMin = min(st.UpMin, st.Up)
	st.Down += st.ZBar - z - d.cfg.Delta
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
func (d *pageHinkley) row(ev *schemas.Event, attr string, x, prev, rise float64, up bool) schemas.Anomaly {
	b := append(d.buf[:0], attr...)
	b = append(b, ' ')
	b = appendNum(b, x)
	b = append(b, " is "...)
	b = appendPct(b, x/prev-1, true)
	b = append(b, " from previous "...)
	b = appendNum(b, prev)
	b = append(b, ": Page-Hinkley rise "...)
	b = appendOver(b, rise, d.cfg.Threshold, false)
	if up {
		b = append(b, " sd, mean return up"...)
	} else {
		b = append(b, " sd, mean return down"...)
	}
	b = append(b, "; threshold "...)
	b = appendFixed(b, d.cfg.Threshold, 2)
	b = append(b, ", delta "...)
	b = appendFixed(b, d.cfg.Delta, 2)
	d.buf = b
	return schemas.Anomaly{
		InstrumentID: ev.InstrumentID,
		EventTime:    ev.EventTime,
		Detector:     d.name(),
		Attribute:    attr,
		Observed:     x,
		Expected:     prev,
		Threshold:    d.cfg.Threshold,
		Score:        excess(rise, d.cfg.Threshold),
		Reason:       string(b),
		SrcPartition: ev.Partition,
		SrcOffset:    ev.Offset,
	}
}
