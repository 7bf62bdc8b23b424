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

// closeHopping emits the windows whose last pane is in oldC..newC-1: for
// every slot holding a pane in oldC-n+1..newC-1, once.
func (ps *paneSet) closeHopping(e *Engine, oldC, newC int64) {
	ps.stamp++
	if ps.stamp == 0 {
		clear(ps.mark)
		ps.stamp = 1
	}
	lo, hi := max(oldC-ps.n+1, ps.ring.lo), min(newC-1, ps.ring.hi())
	for k := lo; k <= hi; k++ {
		for i := ps.ring.get(k); i >= 0; i = ps.panes[i].bnext {
			slot := ps.panes[i].slot
			if ps.mark[slot] == ps.stamp {
				continue
			}
			ps.mark[slot] = ps.stamp
			ps.closeSlot(e, slot, oldC, newC)
		}
	}
}

// closeSlot emits slot's windows whose last pane is in oldC..newC-1.
func (ps *paneSet) closeSlot(e *Engine, slot int32, oldC, newC int64) {
	hi, lo := ps.span(slot)
	for q := max(oldC, lo); q <= min(newC-1, hi+ps.n-1); q++ {
		s := q - ps.n + 1
		if a := ps.merge(slot, s, q); a.N > 0 {
			e.bar(&a, slot, kindHopping, ps.g.start(s), ps.g.start(q+1), 0, 0, false)
		}
	}
}
