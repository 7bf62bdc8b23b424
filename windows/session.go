package windows

import (
	"fmt"
	"math"
	"time"
)

// A session of an (instrument, attribute) is a run of events each less than
// gap after the previous one: its window is [first event, last event + gap).
// An event opens [t, t+gap) and merges every retained session it overlaps,
// so an out-of-order event can join two sessions. A session closes (is
// emitted) when the watermark reaches its end and is kept for updates until
// end + allowed lateness.

// sess is one retained session.
type sess struct {
	agg
	slot   int32
	next   int32 // next later session of the slot, -1 at the end
	rev    int32 // revision of the last emission, -1 before the first
	touch  uint32
	gen    uint32 // bumped when freed, to spot stale heap entries
	late   int64
	closed bool // emitted and not reopened since
	live   bool
}

// hent schedules a look at session id when the watermark reaches at.
type hent struct {
	at  int64
	id  int32
	gen uint32
}

// sessSet holds the sessions of one gap for one lane. Not safe for concurrent
// use.
type sessSet struct {
	label    string // for late reasons, e.g. "session (gap 30s)"
	gap      int64
	lateness int64

	ss      []sess
	free    []int32
	head    []int32 // per slot: earliest session, -1 when none
	heap    []hent  // min-heap on (at, id)
	touched []int32
	nopen   int
}

func newSessions(gap time.Duration, lateness int64) *sessSet {
	return &sessSet{label: fmt.Sprintf("session (gap %s)", gap), gap: gap.Microseconds(), lateness: lateness}
}

func (st *sessSet) grow(n int32) {
	for int32(len(st.head)) < n {
		st.head = append(st.head, -1)
	}
}

// add folds one value of slot at event time t; the watermark has already been
// advanced for this event.
func (st *sessSet) add(e *Engine, slot int32, t int64, x float64) {
	hiT := t + st.gap
	prev, i := int32(-1), st.head[slot]
	for i >= 0 && st.ss[i].Last+st.gap <= t {
		prev, i = i, st.ss[i].next
	}
	if i < 0 || st.ss[i].First >= hiT {
		st.addNew(e, slot, prev, i, t, x)
		return
	}
	s := &st.ss[i]
	wasClosed := s.closed
	st.absorb(i, hiT)
	s.add(t, x, e.vol, e.hasVol)
	st.touch(e, i)
	end := s.Last + st.gap
	switch {
	case end <= e.wm: // every part was closed: an update within lateness
		s.late++
		s.rev++
		e.bar(&s.agg, slot, kindSession, s.First, end, s.rev, s.late, false)
	case wasClosed: // a closed session reopens
		s.late++
		s.closed = false
		st.nopen++
		st.push(e, end, i)
	}
}

// absorb merges into session i the later sessions of its slot that start
// before hiT.
func (st *sessSet) absorb(i int32, hiT int64) {
	s := &st.ss[i]
	for j := s.next; j >= 0 && st.ss[j].First < hiT; j = s.next {
		o := &st.ss[j]
		s.merge(&o.agg)
		s.rev = max(s.rev, o.rev)
		s.late += o.late
		if !o.closed {
			st.nopen--
		}
		s.next = o.next
		st.release(j)
	}
}

// addNew starts a session for a value that overlaps none, between sessions
// prev and next (either may be -1), or reports it late.
func (st *sessSet) addNew(e *Engine, slot, prev, next int32, t int64, x float64) {
	end := t + st.gap
	if end+st.lateness <= e.wm {
		e.late(slot, kindSession, t, x, t, end, closedReason(st.label, t, end, e.wm, st.lateness, 0))
		return
	}
	i := st.alloc(slot)
	s := &st.ss[i]
	s.next = next
	if prev < 0 {
		st.head[slot] = i
	} else {
		st.ss[prev].next = i
	}
	s.add(t, x, e.vol, e.hasVol)
	st.touch(e, i)
	if end <= e.wm {
		s.closed, s.late, s.rev = true, 1, 0
		e.bar(&s.agg, slot, kindSession, t, end, 0, 1, false)
		st.push(e, end+st.lateness, i)
		return
	}
	st.nopen++
	st.push(e, end, i)
}

func (st *sessSet) touch(e *Engine, i int32) {
	if e.early > 0 && st.ss[i].touch != e.stamp {
		st.ss[i].touch = e.stamp
		st.touched = append(st.touched, i)
	}
}

func (st *sessSet) alloc(slot int32) int32 {
	var i int32
	if n := len(st.free); n > 0 {
		i = st.free[n-1]
		st.free = st.free[:n-1]
	} else {
		st.ss = append(st.ss, sess{})
		i = int32(len(st.ss) - 1)
	}
	gen := st.ss[i].gen
	st.ss[i] = sess{slot: slot, next: -1, rev: -1, gen: gen, live: true}
	return i
}

func (st *sessSet) release(i int32) {
	s := &st.ss[i]
	s.live, s.touch = false, 0
	s.gen++
	st.free = append(st.free, i)
}

// unlink removes session i from its slot's list.
func (st *sessSet) unlink(i int32) {
	slot := st.ss[i].slot
	j := st.head[slot]
	if j == i {
		st.head[slot] = st.ss[i].next
		return
	}
	for st.ss[j].next != i {
		j = st.ss[j].next
	}
	st.ss[j].next = st.ss[i].next
}

// advance closes the sessions that end at or before wm and frees those past
// the allowed lateness.
func (st *sessSet) advance(e *Engine, wm int64) {
	for len(st.heap) > 0 && st.heap[0].at <= wm {
		h := st.pop()
		s := &st.ss[h.id]
		if !s.live || s.gen != h.gen {
			continue
		}
		end := s.Last + st.gap
		if !s.closed {
			if end > wm {
				st.push(e, end, h.id)
				continue
			}
			s.closed = true
			st.nopen--
			s.rev++
			e.bar(&s.agg, s.slot, kindSession, s.First, end, s.rev, s.late, false)
		}
		if end+st.lateness <= wm {
			st.unlink(h.id)
			st.release(h.id)
		} else {
			st.push(e, end+st.lateness, h.id)
		}
	}
}

func (st *sessSet) nextAt() int64 {
	if len(st.heap) == 0 {
		return math.MaxInt64
	}
	return st.heap[0].at
}

// early emits a speculative row for every open session touched since the
// last early emission. Its Revision is the one its final row will carry.
func (st *sessSet) early(e *Engine) {
	for _, i := range st.touched {
		s := &st.ss[i]
		if !s.live || s.touch != e.stamp || s.closed {
			continue
		}
		s.touch = 0
		e.bar(&s.agg, s.slot, kindSession, s.First, s.Last+st.gap, s.rev+1, s.late, true)
	}
	st.touched = st.touched[:0]
}

// flush emits every open session and empties the set.
func (st *sessSet) flush(e *Engine) {
	for _, h := range st.head {
		for i := h; i >= 0; i = st.ss[i].next {
			s := &st.ss[i]
			if !s.closed {
				s.rev++
				e.bar(&s.agg, s.slot, kindSession, s.First, s.Last+st.gap, s.rev, s.late, false)
			}
		}
	}
	st.clear()
}

func (st *sessSet) clear() {
	st.ss, st.free, st.heap, st.touched = st.ss[:0], st.free[:0], st.heap[:0], st.touched[:0]
	for i := range st.head {
		st.head[i] = -1
	}
	st.nopen = 0
}

func (st *sessSet) push(e *Engine, at int64, id int32) {
	e.next = min(e.next, at)
	st.heap = append(st.heap, hent{at, id, st.ss[id].gen})
	h := st.heap
	for j := len(h) - 1; j > 0; {
		p := (j - 1) / 2
		if !h[j].less(h[p]) {
			break
		}
		h[j], h[p] = h[p], h[j]
		j = p
	}
}

func (st *sessSet) pop() hent {
	h := st.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for j := 0; ; {
		c := 2*j + 1
		if c >= len(h) {
			break
		}
		if c+1 < len(h) && h[c+1].less(h[c]) {
			c++
		}
		if !h[c].less(h[j]) {
			break
		}
		h[j], h[c] = h[c], h[j]
		j = c
	}
	st.heap = h
	return top
}

func (a hent) less(b hent) bool {
	return a.at < b.at || a.at == b.at && a.id < b.id
}
