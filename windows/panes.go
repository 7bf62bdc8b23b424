package windows

import (
	"cmp"
	"math"
	"slices"
	"unsafe"
)

// pane is the aggregate of one (instrument, attribute) over one pane of a
// tumbling or hopping spec. It also carries the revision record of the window
// that starts at this pane (see addLate).
//
// It is 128 bytes, two cache lines: keep it so.
type pane struct {
	k int64 // pane index on the spec's grid
	agg
	slot  int32  // instrument*attributes + attribute
	next  int32  // next newer pane of the same slot, -1 at the end
	bnext int32  // next pane with the same k, -1 at the end
	touch uint32 // early stamp of the last event folded in
	wrev  int32  // revision last emitted by the window starting here; -1 unknown
	wlate int32  // late updates of the window starting here (saturating)
}

// paneSet holds the panes of one tumbling (n == 1) or hopping (n panes per
// window) spec for one lane. A window is named by its last pane q; it spans
// panes q-n+1..q. Not safe for concurrent use.
type paneSet struct {
	kind     string // kindTumbling or kindHopping
	label    string // for late reasons, e.g. "hopping 5m0s/1m0s"
	g        grid
	n        int64
	lateness int64

	panes []pane
	free  []int32
	head  []int32 // per slot: oldest pane, -1 when none
	tail  []int32 // per slot: newest pane, -1 when none
	ring  ring    // per pane index: list of panes (via bnext)
	live  int

	closeC int64 // panes below closeC have ended: index of the watermark
	purgeW int64 // windows with last pane below purgeW are gone: index of watermark-lateness

	cK, cLo, cHi int64 // cache: pane cK spans [cLo, cHi)

	touched []int32  // panes touched since the last early emission
	mark    []uint32 // per slot, de-duplicates slots while closing
	stamp   uint32
	had     []bool              // scratch for addLate
	run     []int32             // scratch for merge
	closing []int32             // scratch for closeHopping: the slots that close
	runs    [closeGroup][]int32 // scratch for closeSlots: each slot's panes
	refs    []winRef            // scratch for early
}

// winRef names a window of a slot by its first pane.
type winRef struct {
	slot int32
	s    int64
}

func newPaneSet(kind, label string, g grid, n, lateness int64) *paneSet {
	return &paneSet{kind: kind, label: label, g: g, n: n, lateness: lateness,
		closeC: math.MinInt64, purgeW: math.MinInt64}
}

// grow makes room for slots 0..n-1.
func (ps *paneSet) grow(n int32) {
	for int32(len(ps.head)) < n {
		ps.head = append(ps.head, -1)
		ps.tail = append(ps.tail, -1)
		ps.mark = append(ps.mark, 0)
	}
}

// add folds one value of slot at event time t. The watermark has already been
// advanced for this event.
func (ps *paneSet) add(e *Engine, slot int32, t int64, x float64) {
	k := ps.cK
	if t < ps.cLo || t >= ps.cHi {
		k = ps.locate(t)
	}
	if k < ps.closeC {
		ps.addLate(e, slot, k, t, x)
		return
	}
	i := ps.pane(slot, k)
	ps.panes[i].add(t, x, e.vol, e.hasVol)
	if e.early > 0 {
		ps.touch(e, i)
	}
}

func (ps *paneSet) locate(t int64) int64 {
	k := ps.g.index(t)
	ps.cK, ps.cLo, ps.cHi = k, ps.g.start(k), ps.g.start(k+1)
	return k
}

func (ps *paneSet) touch(e *Engine, i int32) {
	if ps.panes[i].touch != e.stamp {
		ps.panes[i].touch = e.stamp
		ps.touched = append(ps.touched, i)
	}
}

// addLate folds a value whose pane has ended: the windows holding it are
// open, closed (updated and re-emitted when within the allowed lateness) or
// gone (reported as late). Windows are named by their last pane q in
// k..k+n-1; those below purgeW are gone, those below closeC closed.
func (ps *paneSet) addLate(e *Engine, slot int32, k, t int64, x float64) {
	n := ps.n
	if missHi := min(k+n-1, ps.purgeW-1); missHi >= k {
		ps.reportMissed(e, slot, k, missHi, t, x)
	}
	if k+n-1 < ps.purgeW {
		return
	}
	qlo, qhi := max(k, ps.purgeW), min(k+n-1, ps.closeC-1)
	ps.had = ps.had[:0]
	for q := qlo; q <= qhi; q++ {
		ps.had = append(ps.had, ps.count(slot, q-n+1, q) > 0)
	}
	i := ps.pane(slot, k)
	ps.panes[i].add(t, x, e.vol, e.hasVol)
	if e.early > 0 {
		ps.touch(e, i)
	}
	for q := qlo; q <= qhi; q++ {
		ps.reemit(e, slot, q, ps.had[q-qlo])
	}
}

// reportMissed writes the LateEvent of a value that missed the windows whose
// last pane is in k..missHi, naming the latest of them.
func (ps *paneSet) reportMissed(e *Engine, slot int32, k, missHi, t int64, x float64) {
	start, end := ps.g.start(missHi-ps.n+1), ps.g.start(missHi+1)
	e.late(slot, ps.kind, t, x, start, end, closedReason(ps.label, start, end, e.wm, ps.lateness, missHi-k))
}

// reemit emits the closed window with last pane q after a late update. Its
// revision record lives in the pane where it starts (created if need be);
// without a record, the window was emitted at close exactly when it held data
// before this update (had).
func (ps *paneSet) reemit(e *Engine, slot int32, q int64, had bool) {
	s := q - ps.n + 1
	j := ps.pane(slot, s)
	w := &ps.panes[j]
	if w.wrev < 0 && had {
		w.wrev = 0
	}
	w.wrev++
	if w.wlate < math.MaxInt32 {
		w.wlate++
	}
	rev, lu := w.wrev, int64(w.wlate)
	a := ps.merge(slot, s, q)
	e.bar(&a, slot, ps.kind, ps.g.start(s), ps.g.start(q+1), rev, lu, false)
}

// pane returns the pane (slot, k), creating it when missing. A slot's panes
// are listed oldest first; events mostly go to the newest pane or a new one
// after it, found through tail without walking the list.
func (ps *paneSet) pane(slot int32, k int64) int32 {
	t := ps.tail[slot]
	if t >= 0 && ps.panes[t].k == k {
		return t
	}
	if t < 0 || ps.panes[t].k < k {
		j := ps.alloc(slot, k)
		if t < 0 {
			ps.head[slot] = j
		} else {
			ps.panes[t].next = j
		}
		ps.tail[slot] = j
		ps.link(j, k)
		return j
	}
	prev, i := int32(-1), ps.head[slot] // k is older than the newest pane
	for ps.panes[i].k < k {
		prev, i = i, ps.panes[i].next
	}
	if ps.panes[i].k == k {
		return i
	}
	j := ps.alloc(slot, k)
	ps.panes[j].next = i
	if prev < 0 {
		ps.head[slot] = j
	} else {
		ps.panes[prev].next = j
	}
	ps.link(j, k)
	return j
}

// link adds pane j to the ring's list of pane index k.
func (ps *paneSet) link(j int32, k int64) {
	b := ps.ring.at(k)
	ps.panes[j].bnext = *b
	*b = j
}

func (ps *paneSet) alloc(slot int32, k int64) int32 {
	var i int32
	if n := len(ps.free); n > 0 {
		i = ps.free[n-1]
		ps.free = ps.free[:n-1]
	} else {
		ps.panes = append(ps.panes, pane{})
		i = int32(len(ps.panes) - 1)
	}
	ps.panes[i] = pane{k: k, slot: slot, next: -1, bnext: -1, wrev: -1}
	ps.live++
	return i
}

// merge returns the aggregate of slot's panes s..q, folded newest first.
func (ps *paneSet) merge(slot int32, s, q int64) agg {
	ps.run = ps.run[:0]
	for i := ps.head[slot]; i >= 0; i = ps.panes[i].next {
		p := &ps.panes[i]
		if p.k > q {
			break
		}
		if p.k >= s {
			ps.run = append(ps.run, i)
		}
	}
	return ps.fold(ps.run, s, q)
}

// fold returns the aggregate of the panes s..q in run, a slot's panes oldest
// first, folded newest first.
func (ps *paneSet) fold(run []int32, s, q int64) agg {
	var a agg
	for j := len(run) - 1; j >= 0; j-- {
		p := &ps.panes[run[j]]
		if p.k < s {
			break
		}
		if p.k <= q {
			a.merge(&p.agg)
		}
	}
	return a
}

// count returns the number of values in slot's panes s..q.
func (ps *paneSet) count(slot int32, s, q int64) int64 {
	var c int64
	for i := ps.head[slot]; i >= 0 && ps.panes[i].k <= q; i = ps.panes[i].next {
		if ps.panes[i].k >= s {
			c += ps.panes[i].N
		}
	}
	return c
}

// span returns the newest and oldest pane index of slot (which has panes).
func (ps *paneSet) span(slot int32) (hi, lo int64) {
	return ps.panes[ps.tail[slot]].k, ps.panes[ps.head[slot]].k
}

// advance moves the cursors to watermark wm, emitting the windows that close
// and dropping the panes no window needs any more.
func (ps *paneSet) advance(e *Engine, wm int64) {
	newC, newPW := ps.g.index(wm), ps.g.index(wm-ps.lateness)
	if ps.closeC != math.MinInt64 && newC > ps.closeC {
		if ps.n == 1 {
			ps.closeTumbling(e, ps.closeC, newC)
		} else {
			ps.closeHopping(e, ps.closeC, newC)
		}
	}
	ps.closeC = newC
	if newPW > ps.purgeW {
		ps.purge(newPW - ps.n + 1)
	}
	ps.purgeW = newPW
}

// nextAt returns the watermark at which advance has work again.
func (ps *paneSet) nextAt() int64 {
	return min(ps.g.start(ps.closeC+1), ps.g.start(ps.purgeW+1)+ps.lateness)
}

// purge frees every pane below cut.
func (ps *paneSet) purge(cut int64) {
	for k := ps.ring.lo; k < cut && k <= ps.ring.hi(); k++ {
		for i := ps.ring.get(k); i >= 0; {
			next := ps.panes[i].bnext
			ps.unlinkOldest(i)
			ps.release(i)
			i = next
		}
	}
	ps.ring.dropBelow(cut)
}

// unlinkOldest removes pane i, the oldest of its slot, from the slot's list.
func (ps *paneSet) unlinkOldest(i int32) {
	slot := ps.panes[i].slot
	ps.head[slot] = ps.panes[i].next
	if ps.tail[slot] == i {
		ps.tail[slot] = -1
	}
}

func (ps *paneSet) release(i int32) {
	ps.panes[i].touch = 0
	ps.free = append(ps.free, i)
	ps.live--
}

// early emits a speculative row for every open window holding a pane touched
// since the last early emission.
func (ps *paneSet) early(e *Engine) {
	ps.refs = ps.refs[:0]
	for _, i := range ps.touched {
		p := &ps.panes[i]
		if p.touch != e.stamp {
			continue
		}
		p.touch = 0
		for q := max(p.k, ps.closeC); q <= p.k+ps.n-1; q++ {
			ps.refs = append(ps.refs, winRef{p.slot, q - ps.n + 1})
		}
	}
	ps.touched = ps.touched[:0]
	slices.SortFunc(ps.refs, func(a, b winRef) int {
		return cmp.Or(cmp.Compare(a.slot, b.slot), cmp.Compare(a.s, b.s))
	})
	ps.refs = slices.Compact(ps.refs)
	for _, r := range ps.refs {
		a := ps.merge(r.slot, r.s, r.s+ps.n-1)
		if a.N > 0 {
			e.bar(&a, r.slot, ps.kind, ps.g.start(r.s), ps.g.start(r.s+ps.n), 0, 0, true)
		}
	}
}

// flush emits every open window and empties the set.
func (ps *paneSet) flush(e *Engine) {
	for slot, h := range ps.head {
		if h < 0 {
			continue
		}
		hi, lo := ps.span(int32(slot))
		for q := max(ps.closeC, lo); q <= hi+ps.n-1; q++ {
			s := q - ps.n + 1
			if a := ps.merge(int32(slot), s, q); a.N > 0 {
				e.bar(&a, int32(slot), ps.kind, ps.g.start(s), ps.g.start(q+1), 0, 0, false)
			}
		}
	}
	ps.clear()
}

func (ps *paneSet) clear() {
	ps.panes, ps.free, ps.touched = ps.panes[:0], ps.free[:0], ps.touched[:0]
	for i := range ps.head {
		ps.head[i], ps.tail[i] = -1, -1
	}
	ps.ring.reset()
	ps.live = 0
}

// open counts the open windows that hold data.
func (ps *paneSet) open() int {
	c := 0
	for _, h := range ps.head {
		covHi := int64(math.MinInt64) // highest window already counted
		for i := h; i >= 0; i = ps.panes[i].next {
			p := &ps.panes[i]
			if p.N == 0 {
				continue
			}
			lo, hi := max(p.k, ps.closeC, covHi+1), p.k+ps.n-1
			if hi >= lo {
				c += int(hi - lo + 1)
				covHi = hi
			}
		}
	}
	return c
}

var _ [128 - unsafe.Sizeof(pane{})]byte // pane must stay 128 bytes
var _ [unsafe.Sizeof(pane{}) - 128]byte
