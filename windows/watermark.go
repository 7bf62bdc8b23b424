package windows

import (
	"fmt"
	"math"

	"pricewatch/schemas"
)

// Admit checks ev's time before any stage sees it. Event times outside years
// 0001-9999 are always refused. When MaxFuture > 0 and ev.EventTime is more
// than MaxFuture ahead of the lane's max event time (not checked for the
// lane's first event), it either clamps ev.EventTime to that bound
// (FutureAction "clamp": ok is true and reason says what was done) or refuses
// the event (ok false, reason says why). Admit does not advance the watermark.
func (e *Engine) Admit(ev *schemas.Event) (ok bool, reason string) {
	t := ev.EventTime
	if t < minTime || t > maxTime {
		return false, fmt.Sprintf("event_time %d us is outside the supported years 0001-9999", t)
	}
	if e.maxFuture <= 0 || !e.seen || t-e.maxSeen <= e.maxFuture {
		return true, ""
	}
	ahead := t - e.maxSeen
	if e.clamp {
		ev.EventTime = e.maxSeen + e.maxFuture
		return true, fmt.Sprintf("event_time %s was %s ahead of the partition clock; clamped to %s (max_future %s)",
			fmtTime(t), fmtDur(ahead), fmtTime(ev.EventTime), fmtDur(e.maxFuture))
	}
	return false, fmt.Sprintf("event_time %s is %s ahead of the partition clock; max_future is %s",
		fmtTime(t), fmtDur(ahead), fmtDur(e.maxFuture))
}

// observe moves the lane clock to event time t and, when the watermark
// reaches the next scheduled point, closes and drops windows. It reports
// whether the watermark crossed an early-interval boundary.
func (e *Engine) observe(t int64) bool {
	if e.seen && t <= e.maxSeen {
		return false
	}
	prev := e.wm
	e.seen, e.maxSeen, e.wm = true, t, t-e.ooo
	if e.wm < e.next {
		return false
	}
	return e.advance(prev)
}

// advance does the work due at the new watermark; prev is the one before.
func (e *Engine) advance(prev int64) bool {
	for _, ps := range e.panes {
		ps.advance(e, e.wm)
	}
	for _, st := range e.sess {
		st.advance(e, e.wm)
	}
	crossed := false
	if e.early > 0 && e.wm >= e.earlyNext {
		// The first event sets the clock; it crosses nothing.
		crossed = prev != math.MinInt64
		e.earlyNext = e.origin + (floorDiv(e.wm-e.origin, e.early)+1)*e.early
	}
	e.next = e.nextAt()
	return crossed
}

// nextAt returns the lowest watermark at which advance has work.
func (e *Engine) nextAt() int64 {
	if !e.seen {
		return math.MinInt64
	}
	n := int64(math.MaxInt64)
	if e.early > 0 {
		n = e.earlyNext
	}
	for _, ps := range e.panes {
		n = min(n, ps.nextAt())
	}
	for _, st := range e.sess {
		n = min(n, st.nextAt())
	}
	return n
}

// emitEarly emits the early rows of the windows touched since the last early
// emission and starts a new early period.
func (e *Engine) emitEarly() {
	for _, ps := range e.panes {
		ps.early(e)
	}
	for _, st := range e.sess {
		st.early(e)
	}
	e.stamp++
	if e.stamp == 0 {
		e.stamp = 1
	}
}
