package windows

import "pricewatch/schemas"

// agg is the running aggregate of one attribute's values in a pane, window or
// session. Fields are exported for gob (checkpoints of earlier versions);
// the type is not.
//
// Whether any volume was seen is not kept: VWAP is defined exactly when Vol
// != 0, which implies some volume was seen.
type agg struct {
	First, Last            int64 // first and last event time
	Open, Close, High, Low float64
	N                      int64
	Sum, Mean, M2          float64 // M2: sum of squared deviations (Welford)
	Vol, PV                float64 // sum of volume, sum of value*volume
}

// add folds one value in. Ties on event time go by arrival: the earliest
// arrival stays Open, the latest becomes Close.
func (a *agg) add(t int64, x, v float64, hasV bool) {
	if a.N == 0 {
		a.First, a.Last = t, t
		a.Open, a.Close, a.High, a.Low = x, x, x, x
	} else {
		if t < a.First {
			a.First, a.Open = t, x
		}
		if t >= a.Last {
			a.Last, a.Close = t, x
		}
		a.High = max(a.High, x)
		a.Low = min(a.Low, x)
	}
	a.N++
	a.Sum += x
	d := x - a.Mean
	a.Mean += d / float64(a.N)
	a.M2 += d * (x - a.Mean)
	if hasV {
		a.Vol += v
		a.PV += x * v
	}
}

// merge folds b in (Chan et al. parallel Welford). The two must cover
// disjoint event-time ranges, as panes and sessions do, so Open and Close
// never tie.
func (a *agg) merge(b *agg) {
	if b.N == 0 {
		return
	}
	if a.N == 0 {
		*a = *b
		return
	}
	if b.First < a.First {
		a.First, a.Open = b.First, b.Open
	}
	if b.Last > a.Last {
		a.Last, a.Close = b.Last, b.Close
	}
	a.High = max(a.High, b.High)
	a.Low = min(a.Low, b.Low)
	n := a.N + b.N
	d := b.Mean - a.Mean
	na, nb, nn := float64(a.N), float64(b.N), float64(n)
	a.Mean += d * nb / nn
	a.M2 += b.M2 + d*d*na*nb/nn
	a.N = n
	a.Sum += b.Sum
	a.Vol += b.Vol
	a.PV += b.PV
}

// fill writes the aggregate columns of a bar.
func (a *agg) fill(r *schemas.WindowBar) {
	r.Open, r.High, r.Low, r.Close = a.Open, a.High, a.Low, a.Close
	r.Count, r.Sum, r.Mean = a.N, a.Sum, a.Mean
	r.Variance = 0
	if a.N > 0 {
		r.Variance = a.M2 / float64(a.N)
	}
	r.Volume = a.Vol
	r.HasVWAP = a.Vol != 0
	r.VWAP = 0
	if r.HasVWAP {
		r.VWAP = a.PV / a.Vol
	}
	r.FirstTime, r.LastTime = a.First, a.Last
}
