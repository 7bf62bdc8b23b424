package windows

import (
	"fmt"
	"time"
)

// A hopping window (size, slide) is a paneSet of slide-sized panes, size/slide
// panes per window. An event is folded into one pane, so its cost does not
// depend on size/slide; a window's row merges its panes when it is emitted.

func newHopping(h HopSpec, loc *time.Location, lateness int64) *paneSet {
	size, slide := time.Duration(h.Size), time.Duration(h.Slide)
	label := fmt.Sprintf("hopping %s/%s", size, slide)
	return newPaneSet(kindHopping, label, newGrid(slide, loc), int64(size/slide), lateness)
}

// closeGroup is how many slots closeHopping walks side by side.
const closeGroup = 8

// closeHopping emits the windows whose last pane is in oldC..newC-1: for
// every slot holding a pane in oldC-n+1..newC-1, once, in the order the ring
// lists them. A slot's panes are a linked list whose every pane is likely a
// cache miss, so the lists of closeGroup slots are walked side by side, one
// pane of each per step: their loads overlap instead of waiting on each other.
func (ps *paneSet) closeHopping(e *Engine, oldC, newC int64) {
	ps.stamp++
	if ps.stamp == 0 {
		clear(ps.mark)
		ps.stamp = 1
	}
	ps.closing = ps.closing[:0]
	lo, hi := max(oldC-ps.n+1, ps.ring.lo), min(newC-1, ps.ring.hi())
	for k := lo; k <= hi; k++ {
		for i := ps.ring.get(k); i >= 0; i = ps.panes[i].bnext {
			slot := ps.panes[i].slot
			if ps.mark[slot] != ps.stamp {
				ps.mark[slot] = ps.stamp
				ps.closing = append(ps.closing, slot)
			}
		}
	}
	for g := 0; g < len(ps.closing); g += closeGroup {
		ps.closeSlots(e, ps.closing[g:min(g+closeGroup, len(ps.closing))], oldC, newC)
	}
}

// closeSlots gathers the panes up to newC-1 of up to closeGroup slots, side
// by side, and emits their windows whose last pane is in oldC..newC-1.
func (ps *paneSet) closeSlots(e *Engine, slots []int32, oldC, newC int64) {
	var cur [closeGroup]int32
	for j, slot := range slots {
		cur[j] = ps.head[slot]
		ps.runs[j] = ps.runs[j][:0]
	}
	for walking := true; walking; {
		walking = false
		for j := range slots {
			i := cur[j]
			if i < 0 {
				continue
			}
			p := &ps.panes[i]
			if p.k >= newC {
				cur[j] = -1
				continue
			}
			ps.runs[j] = append(ps.runs[j], i)
			cur[j] = p.next
			walking = true
		}
	}
	for j, slot := range slots {
		ps.closeRun(e, slot, ps.runs[j], oldC, newC)
	}
}

// closeRun emits slot's windows whose last pane is in oldC..newC-1 from run,
// the slot's panes up to newC-1, oldest first (at least the one through which
// the ring listed the slot). Windows after the last of them are empty.
func (ps *paneSet) closeRun(e *Engine, slot int32, run []int32, oldC, newC int64) {
	lo, hi := ps.panes[run[0]].k, ps.panes[run[len(run)-1]].k
	for q := max(oldC, lo); q <= min(newC-1, hi+ps.n-1); q++ {
		s := q - ps.n + 1
		if a := ps.fold(run, s, q); a.N > 0 {
			e.bar(&a, slot, kindHopping, ps.g.start(s), ps.g.start(q+1), 0, 0, false)
		}
	}
}
