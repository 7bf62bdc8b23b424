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
func statsConfig(v *validator, key string, attrs []string, alpha float64, warmup int, minStddev float64) {
	v.attrs(key+".attributes", attrs)
	v.open(key+".alpha", alpha, 0, 1, "want a number in (0, 1]")
	v.intRange(key+".warmup", warmup, 1, maxEvents, "want an integer >= 1")
	if !(minStddev >= 0) || math.IsInf(minStddev, 0) {
		v.fail(key+".min_stddev", minStddev, "want a number >= 0")
	}
}
