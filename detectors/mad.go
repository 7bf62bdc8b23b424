package detectors

import (
	"math"

	"pricewatch/schemas"
)

// MADConfig is the `mad` detector: the robust z-score of a tick's log
// return, (r - median) / (1.4826 * MAD), against the median and median
// absolute deviation of the instrument's previous window returns. Outliers
// in the window barely move either, unlike the mean and sd of zscore.
type MADConfig struct {
	// Enabled turns the detector on. Default false.
	Enabled bool `yaml:"enabled"`
	// Attributes are the numeric attributes checked. Default [price].
	Attributes []string `yaml:"attributes"`
	// Change is what is scored: "log" (log returns) or "diff"
	// (differences, for series that may be zero or negative; min_stddev
	// is then in the attribute's unit). Default "log".
	Change string `yaml:"change"`
	// Window is how many past returns are kept, 3 to 1000. Work per event
	// is O(window). Default 50.
	Window int `yaml:"window"`
	// Threshold is the robust |z| flagged, > 0. Default 8: the MAD of a
	// small window is a noisier scale than the sd, so tails are heavier.
	Threshold float64 `yaml:"threshold"`
	// MinEvents is how many past returns the window must hold before any
	// flag, 3 to window. Default 20.
	MinEvents int `yaml:"min_events"`
	// MinStddev floors the robust sd (1.4826 * MAD) of log returns, >= 0.
	// Default 0.0001.
	MinStddev float64 `yaml:"min_stddev"`
	// MinStddevMove floors the sd at this fraction of the instrument's
	// typical move (the weighted mean size of its changes that are not
	// zero, about one tick for a price; see noteMove), so that tick-sized
	// moves of an instrument that seldom moves are not outliers; with it,
	// nothing is scored until the series has moved once. >= 0, 0 turns it
	// off. Default 1.
	MinStddevMove float64 `yaml:"min_stddev_move"`
	// Cooldown is how many returns after a flag are not flagged, >= 0.
	// Default 0.
	Cooldown int `yaml:"cooldown"`
}

const maxMADWindow = 1000

func (c *MADConfig) validate(v *validator, key string) {
	moveConfig(v, key, c.MinStddevMove)
	v.attrs(key+".attributes", c.Attributes)
	v.change(key+".change", c.Change)
	v.intRange(key+".window", c.Window, 3, maxMADWindow, "want an integer from 3 to 1000")
	v.open(key+".threshold", c.Threshold, 0, math.Inf(1), "want a number > 0")
	v.intRange(key+".min_events", c.MinEvents, 3, max(3, c.Window), "want an integer from 3 to window")
	if !(c.MinStddev >= 0) || math.IsInf(c.MinStddev, 0) {
		v.fail(key+".min_stddev", c.MinStddev, "want a number >= 0")
	}
	v.intRange(key+".cooldown", c.Cooldown, 0, maxEvents, "want an integer >= 0")
}

// madState is the mad state of one (instrument, attribute): the returns in
// arrival order (a ring) and the same returns sorted.
type madState struct {
	Last   last
	Ring   []float64
	Sorted []float64 // len is the number of returns held
	Head   int32
	Move   float64 // typical move, see noteMove
	Cool   int32
}

// push adds r, dropping the oldest return when the window is full. The
// sorted window is updated with one shift of the values between the
// oldest return's place and the new one's.
func (s *madState) push(r float64, size int) {
	if s.Ring == nil { // one allocation, so the two are close in memory
		buf := make([]float64, 2*size)
		s.Ring, s.Sorted = buf[:size:size], buf[size:size]
	}
	a := s.Sorted
	i := lowerBound(a, r)
	if len(a) < len(s.Ring) {
		a = append(a, 0)
		copy(a[i+1:], a[i:])
		a[i] = r
	} else if d := lowerBound(a, s.Ring[s.Head]); i <= d {
		copy(a[i+1:d+1], a[i:d])
		a[i] = r
	} else {
		copy(a[d:i-1], a[d+1:i])
		a[i-1] = r
	}
	s.Sorted = a
	s.Ring[s.Head] = r
	if s.Head++; int(s.Head) == len(s.Ring) {
		s.Head = 0
	}
}

// lowerBound returns the first index i with a[i] >= x, or len(a).
func lowerBound(a []float64, x float64) int {
	lo, hi := 0, len(a)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if a[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// medianMAD returns the median of the ascending values a and their median
// absolute deviation from it, in O(log n): the deviations of the values
// below the median, read outwards, and those of the values from it up are
// two ascending sequences, and the MAD is an order statistic of the two.
func medianMAD(a []float64) (med, mad float64) {
	n := len(a)
	med = (a[(n-1)/2] + a[n/2]) / 2
	i0 := lowerBound(a, med)
	mad = devKth(a, i0, med, (n-1)/2)
	if n%2 == 0 {
		mad = (mad + devKth(a, i0, med, n/2)) / 2
	}
	return med, mad
}

// devKth returns the k-th smallest (from 0) of |a[i] - med|, where
// a[:i0] < med <= a[i0:]. Below are A(i) = med - a[i0-1-i] and above
// B(j) = a[i0+j] - med, both ascending; it finds how many of the k+1
// smallest come from A by bisection.
func devKth(a []float64, i0 int, med float64, k int) float64 {
	m, n := i0, len(a)-i0
	lo, hi := max(0, k+1-n), min(k+1, m)
	for lo < hi {
		i := int(uint(lo+hi) >> 1)
		if j := k + 1 - i; j > 0 && med-a[i0-1-i] < a[i0+j-1]-med {
			lo = i + 1 // A(i) is among the k+1 smallest: take more of A
		} else {
			hi = i
		}
	}
	i, j := lo, k+1-lo
	v := math.Inf(-1)
	if i > 0 {
		v = med - a[i0-i]
	}
	if j > 0 {
		v = max(v, a[i0+j-1]-med)
	}
	return v
}

// mad is the mad detector. Score is 1 - threshold/|z|; Expected is the
// previous value.
type mad struct {
	tabled[madState, MADConfig]
}

func newMAD(ps []Params) *mad {
	return &mad{newTabled[madState](ps, func(p *Params) MADConfig { return p.MAD }, ps[0].MAD.Attributes)}
}

func (d *mad) name() string { return "mad" }

func (d *mad) load(b []byte, ids []string, grp []int32) error {
	if err := d.tab.load(b, ids); err != nil {
		return err
	}
	for i := range d.tab.rows {
		d.tab.rows[i].resize(d.cfgs[grp[i/d.tab.rowsPer()]].Window)
	}
	return nil
}

// resize keeps the latest returns in a window of the given size, for a
// checkpoint restored under a different window.
func (s *madState) resize(size int) {
	n := len(s.Sorted)
	switch {
	case s.Ring == nil:
		return
	case len(s.Ring) == size:
		if cap(s.Sorted) < size { // gob keeps no spare capacity
			s.Sorted = append(make([]float64, 0, size), s.Sorted...)
		}
		return
	}
	var vals []float64
	for i := range n {
		vals = append(vals, s.Ring[(int(s.Head)-n+i+2*len(s.Ring))%len(s.Ring)])
	}
	s.Ring, s.Sorted, s.Head = nil, nil, 0
	for _, r := range vals[max(0, n-size):] {
		s.push(r, size)
	}
}

func (d *mad) stateBytes() int {
	n := d.tab.bytes()
	for i := range d.tab.rows {
		n += 8 * (cap(d.tab.rows[i].Ring) + cap(d.tab.rows[i].Sorted))
	}
	return n
}

func (d *mad) observe(ix, g int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
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
		if len(st.Sorted) >= c.MinEvents && (st.Move > 0 || c.MinStddevMove == 0) {
			med, m := medianMAD(st.Sorted)
			sd := max(1.4826*m, c.MinStddev, c.MinStddevMove*st.Move)
			z := (r - med) / sd
			d.lv.note(math.Abs(z)/c.Threshold, a, x, prev)
			if st.Cool > 0 {
				st.Cool--
			} else if math.Abs(z) > c.Threshold {
				out = append(out, d.row(c, diff, ev, name, x, prev, z, sd, len(st.Sorted)))
				st.Cool = int32(c.Cooldown)
			}
		} else if st.Cool > 0 {
			st.Cool--
		}
		noteMove(&st.Move, r, moveScale(x, diff))
		st.push(r, c.Window)
	}
	return out
}

// row builds the finding, e.g. reason "price 105 is +5% from previous 100:
// robust z-score +40.1 against the last 50 returns (robust sd 0.12%);
// threshold 8".
func (d *mad) row(c *MADConfig, diff bool, ev *schemas.Event, attr string, x, prev, z, sd float64, n int) schemas.Anomaly {
	b := append(d.buf[:0], attr...)
	b = append(b, ' ')
	b = appendNum(b, x)
	b = append(b, " is "...)
	b = appendMove(b, x, prev, diff)
	b = append(b, " from previous "...)
	b = appendNum(b, prev)
	b = append(b, ": robust z-score "...)
	b = appendOver(b, z, c.Threshold, true)
	b = append(b, " against the last "...)
	b = appendInt(b, int64(n))
	b = append(b, changes(diff)...)
	b = append(b, " (robust sd "...)
	b = appendRet(b, sd, diff, false)
	b = append(b, "); threshold "...)
	b = appendFixed(b, c.Threshold, 2)
	d.buf = b
	return eventAnomaly(ev, d.name(), attr, x, prev, c.Threshold,
		excess(math.Abs(z), c.Threshold), b)
}
