package windows

// ring maps pane indices lo..lo+n-1 to the heads of per-pane lists (-1 when
// empty). It grows at either end; keys below a purge point are dropped. The
// span it holds is bounded by (allowed lateness + out-of-orderness) / slide
// plus the panes of one window, so it stays small.
type ring struct {
	buf []int32 // length 0 or a power of two
	off int     // position of key lo in buf
	lo  int64
	n   int64
}

// get returns the list head for k, or -1.
func (r *ring) get(k int64) int32 {
	if k < r.lo || k >= r.lo+r.n {
		return -1
	}
	return r.buf[r.pos(k)]
}

func (r *ring) pos(k int64) int {
	return (r.off + int(k-r.lo)) & (len(r.buf) - 1)
}

// hi returns the highest key held (lo-1 when empty).
func (r *ring) hi() int64 { return r.lo + r.n - 1 }

// at returns the list head cell for k, extending the ring to hold k.
func (r *ring) at(k int64) *int32 {
	switch {
	case r.n == 0:
		r.reserve(1)
		r.lo, r.n, r.off = k, 1, 0
		r.buf[0] = -1
	case k < r.lo:
		d := r.lo - k
		r.reserve(r.n + d)
		r.off = (r.off - int(d)) & (len(r.buf) - 1)
		r.lo, r.n = k, r.n+d
		for j := int64(0); j < d; j++ {
			r.buf[r.pos(k+j)] = -1
		}
	case k >= r.lo+r.n:
		old := r.n
		r.reserve(k - r.lo + 1)
		r.n = k - r.lo + 1
		for j := r.lo + old; j <= k; j++ {
			r.buf[r.pos(j)] = -1
		}
	}
	return &r.buf[r.pos(k)]
}

// reserve makes room for n keys, keeping those held.
func (r *ring) reserve(n int64) {
	if n <= int64(len(r.buf)) {
		return
	}
	c := 16
	for int64(c) < n {
		c *= 2
	}
	nb := make([]int32, c)
	for j := int64(0); j < r.n; j++ {
		nb[j] = r.buf[r.pos(r.lo+j)]
	}
	r.buf, r.off = nb, 0
}

// dropBelow forgets the keys below k.
func (r *ring) dropBelow(k int64) {
	if r.n == 0 || k <= r.lo {
		return
	}
	if k > r.hi() {
		r.n = 0
		return
	}
	d := k - r.lo
	r.off = (r.off + int(d)) & (len(r.buf) - 1)
	r.lo, r.n = k, r.n-d
}

// reset empties the ring, keeping its buffer.
func (r *ring) reset() { r.n = 0 }
