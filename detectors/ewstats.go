package detectors

import "math"

// ewStats is an exponentially weighted mean and variance. The weight of a
// new value is max(alpha, 1/n) for the n-th value, so the first 1/alpha
// values give the plain mean and population variance (no bias towards the
// zero start) and later ones the exponential average. Fields are exported
// for gob.
type ewStats struct {
	Mean float64
	Var  float64
	N    int64
}

// add folds x in.
func (s *ewStats) add(x, alpha float64) {
	s.N++
	a := max(alpha, 1/float64(s.N))
	d := x - s.Mean
	s.Mean += a * d
	s.Var = (1 - a) * (s.Var + a*d*d)
}

// stddev is the standard deviation, floored at lo.
func (s *ewStats) stddev(lo float64) float64 { return max(math.Sqrt(s.Var), lo) }

// statsConfig checks the settings shared by the detectors that score log
// returns against exponentially weighted statistics.
func statsConfig(v *validator, key string, attrs []string, change string, alpha float64, warmup int, minStddev float64) {
	v.attrs(key+".attributes", attrs)
	v.change(key+".change", change)
	v.open(key+".alpha", alpha, 0, 1, "want a number in (0, 1]")
	v.intRange(key+".warmup", warmup, 1, maxEvents, "want an integer >= 1")
	if !(minStddev >= 0) || math.IsInf(minStddev, 0) {
		v.fail(key+".min_stddev", minStddev, "want a number >= 0")
	}
}

// noteMove folds a change r into m, the instrument's typical move: an
// exponentially weighted mean (weight 0.05) of |r| over the changes that
// are not zero, each capped at 10 m. For a price on a tick grid that is
// about one tick (most moves are one tick); for a continuous series it is
// about 0.8 sd. The return-based detectors floor their sd at
// min_stddev_move × m, so that tick-sized moves of an instrument that
// seldom moves are not outliers, and score nothing until the series has
// moved once. They fold a change in after scoring it, so a change never
// sets its own floor. Changes within 1e-12 of scale (float noise) are not
// changes.
func noteMove(m *float64, r, scale float64) {
	a := math.Abs(r)
	if !(a > 1e-12*scale) || math.IsInf(a, 0) {
		return
	}
	if *m == 0 {
		*m = a
		return
	}
	*m += 0.05 * (min(a, 10**m) - *m)
}

// moveScale is the scale below which a change is float noise.
func moveScale(x float64, diff bool) float64 {
	if diff {
		return max(1, math.Abs(x))
	}
	return 1
}

// moveConfig checks min_stddev_move.
func moveConfig(v *validator, key string, f float64) {
	v.nonNeg(key+".min_stddev_move", f)
}
