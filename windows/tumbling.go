package windows

import (
	"fmt"
	"time"
)

// A tumbling window of size d is a paneSet with one pane per window: panes
// are the windows, aligned to the zone's origin (see grid).

func newTumbling(d time.Duration, loc *time.Location, lateness int64) *paneSet {
	return newPaneSet(kindTumbling, fmt.Sprintf("tumbling %s", d), newGrid(d, loc), 1, lateness)
}

// closeTumbling (any spec with one pane per window) emits the windows oldC..newC-1 (all of them still unemitted).
func (ps *paneSet) closeTumbling(e *Engine, oldC, newC int64) {
	lo, hi := max(oldC, ps.ring.lo), min(newC-1, ps.ring.hi())
	for k := lo; k <= hi; k++ {
		start, end := ps.g.start(k), ps.g.start(k+1)
		for i := ps.ring.get(k); i >= 0; i = ps.panes[i].bnext {
			p := &ps.panes[i]
			if p.N == 0 {
				continue
			}
			p.wrev = 0
			e.bar(&p.agg, p.slot, ps.kind, start, end, 0, 0, false)
		}
	}
}
