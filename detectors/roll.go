package detectors

import "math"

// roll is a ring of the latest len(Buf) values with their running mean and
// sum of squared deviations from it (Welford's update, with the sliding
// form when the oldest value is replaced). Every len(Buf) pushes the two
// are recomputed exactly from the ring, so rounding error cannot build up;
// that costs O(1) amortized per push. Fields are exported for gob.
type roll struct {
	Buf  []float64 // allocated on first push
	Head int32     // where the next value goes
	N    int32     // values held, up to len(Buf)
	Mean float64
	M2   float64 // sum of squared deviations from Mean
	Ops  int32   // pushes since the last exact recompute
}

// push adds x, dropping the oldest value when the ring is full.
func (r *roll) push(x float64, size int) {
	if r.Buf == nil {
		r.Buf = make([]float64, size)
	}
	if int(r.N) < len(r.Buf) {
		r.Buf[r.Head] = x
		r.N++
		d := x - r.Mean
		r.Mean += d / float64(r.N)
		r.M2 += d * (x - r.Mean)
	} else {
		y := r.Buf[r.Head]
		r.Buf[r.Head] = x
		m := r.Mean
		r.Mean += (x - y) / float64(r.N)
		r.M2 += (x - y) * (x - r.Mean + y - m)
	}
	r.M2 = max(r.M2, 0)
	if r.Head++; int(r.Head) == len(r.Buf) {
		r.Head = 0
	}
	if r.Ops++; int(r.Ops) >= len(r.Buf) {
		r.recompute()
	}
}

// recompute sets Mean and M2 exactly (two passes) from the ring.
func (r *roll) recompute() {
	r.Ops = 0
	vals := r.Buf[:r.N]
	sum := 0.0
	for _, v := range vals {
		sum += v
	}
	r.Mean, r.M2 = 0, 0
	if r.N == 0 {
		return
	}
	r.Mean = sum / float64(r.N)
	for _, v := range vals {
		d := v - r.Mean
		r.M2 += d * d
	}
}

// stddev is the sample standard deviation, floored at lo.
func (r *roll) stddev(lo float64) float64 {
	if r.N < 2 {
		return lo
	}
	return max(math.Sqrt(r.M2/float64(r.N-1)), lo)
}

// resize keeps the latest min(N, size) values in a ring of the given size.
// It is used when a checkpoint is restored under a different window.
func (r *roll) resize(size int) {
	if r.Buf == nil || len(r.Buf) == size {
		return
	}
	vals := make([]float64, 0, r.N)
	start := int(r.Head) - int(r.N) // oldest value, modulo len(Buf)
	for i := range int(r.N) {
		vals = append(vals, r.Buf[(start+i+len(r.Buf))%len(r.Buf)])
	}
	vals = vals[max(0, len(vals)-size):]
	buf := make([]float64, size)
	copy(buf, vals)
	*r = roll{Buf: buf, N: int32(len(vals)), Head: int32(len(vals) % size)}
	r.recompute()
}
