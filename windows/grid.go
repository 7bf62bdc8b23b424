package windows

import "time"

// grid numbers the panes of one window spec: pane k is [start(k), start(k+1)).
//
// A fixed grid has panes of step microseconds counted from origin, the Unix
// epoch read as local time in the configured zone (1970-01-01T00:00 local),
// so sub-day panes follow the zone's 1970 UTC offset. A calendar grid (a
// step that is a whole number of days, in a zone other than UTC) has panes of
// days local calendar days starting at local midnight; in zones with DST such
// panes last 23h or 25h across a transition.
type grid struct {
	origin int64 // fixed: start of pane 0
	step   int64 // fixed: pane length
	loc    *time.Location
	days   int64 // calendar: pane length in local days
}

const day = 24 * time.Hour

// newGrid returns the grid for panes of step in loc.
func newGrid(step time.Duration, loc *time.Location) grid {
	if loc != time.UTC && step%day == 0 {
		return grid{loc: loc, days: int64(step / day)}
	}
	return grid{origin: originOf(loc), step: step.Microseconds()}
}

// originOf returns 1970-01-01T00:00 in loc, in microseconds since the epoch.
func originOf(loc *time.Location) int64 {
	return time.Date(1970, time.January, 1, 0, 0, 0, 0, loc).UnixMicro()
}

// index returns the pane holding t.
func (g *grid) index(t int64) int64 {
	if g.loc == nil {
		return floorDiv(t-g.origin, g.step)
	}
	lt := time.UnixMicro(t).In(g.loc)
	y, m, d := lt.Date()
	days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	k := floorDiv(days, g.days)
	for t < g.start(k) {
		k--
	}
	for t >= g.start(k+1) {
		k++
	}
	return k
}

// start returns the first microsecond of pane k.
func (g *grid) start(k int64) int64 {
	if g.loc == nil {
		return g.origin + k*g.step
	}
	return time.Date(1970, time.January, 1+int(k*g.days), 0, 0, 0, 0, g.loc).UnixMicro()
}

// floorDiv divides rounding toward minus infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
