package history

import (
	"math"
	"slices"

	"pricewatch/schemas"
)

// The model: for every instrument, every fact the stream asserted, by valid
// time. A point is one valid time; its ops are the events with that event
// time, in offset order. The state at a valid time is the fold of the points
// up to it: an upsert or a correction sets the attributes it carries (and
// makes the instrument exist), a delete removes the instrument and clears its
// attributes. Every table is derived from this list, so a late change or a
// correction lands where its valid time says, and replaying a record gives
// the same rows.

// AttrVal is one attribute value an op carries.
type AttrVal struct {
	A int // attribute index
	V schemas.Value
}

// Op is one event, as the model keeps it.
type Op struct {
	Kind  schemas.Op
	Attrs []AttrVal
	Seq   int64 // the instrument's event ordinal, from 1
	Part  int32
	Off   int64
	Rec   int64 // recorded (transaction) time
}

// PointOps are the events of one valid time.
type PointOps struct {
	T   int64
	Ops []Op
}

// BtRow is one open row of the bitemporal table (recorded_to still open).
type BtRow struct {
	From, To int64
	ToOpen   bool
	Vals     []schemas.Value
	RecFrom  int64
	Op       schemas.Op
	Seq      int64
	Part     int32
	Off      int64
}

// Inst is one instrument's state.
type Inst struct {
	ID      string
	Points  []PointOps
	Seq     int64
	LastRec int64
	Bt      []BtRow

	// folds caches the state after every point (index 0: deletes applied,
	// 1: deletes ignored); a prefix may be missing. Not checkpointed.
	folds [2][]pstate
	// marks caches where each unit's scan for changes may start (see
	// changes), by plan.marks ids. Not checkpointed.
	marks []scanMark
}

// mark returns scan mark id of n.
func (in *Inst) mark(id, n int) *scanMark {
	if len(in.marks) < n {
		in.marks = append(in.marks, make([]scanMark, n-len(in.marks))...)
	}
	return &in.marks[id]
}

// apply inserts an op at valid time t.
func (in *Inst) apply(t int64, o Op) {
	i, found := slices.BinarySearchFunc(in.Points, t, func(p PointOps, t int64) int { return cmpInt(p.T, t) })
	if found {
		in.Points[i].Ops = append(in.Points[i].Ops, o)
	} else {
		in.Points = slices.Insert(in.Points, i, PointOps{T: t, Ops: []Op{o}})
	}
	for k := range in.folds { // the states from point i on are stale
		if len(in.folds[k]) > i {
			in.folds[k] = in.folds[k][:i]
		}
	}
	for k := range in.marks { // and so are scans that passed point i
		if in.marks[k].i >= i {
			in.marks[k].ok = false
		}
	}
}

// states returns the state after every point, folding only the points not
// folded yet.
func (in *Inst) states(n int, ignoreDel bool) []pstate {
	k := 0
	if ignoreDel {
		k = 1
	}
	in.folds[k] = foldFrom(in.Points, in.folds[k], n, ignoreDel)
	return in.folds[k]
}

// pstate is the state after one point.
type pstate struct {
	exists bool
	vals   []schemas.Value
	eff    bool // the point changed something under the fold's delete mode (had an op it applies)
	dels   bool // the point deleted the instrument (at least once)
	op     schemas.Op
	seq    int64
	part   int32
	off    int64
}

// foldFrom extends st, the states after the first len(st) points, to every
// point. With ignoreDel, deletes are dropped.
func foldFrom(pts []PointOps, st []pstate, n int, ignoreDel bool) []pstate {
	cur := pstate{vals: make([]schemas.Value, n)}
	if len(st) > 0 {
		cur = st[len(st)-1]
	}
	for i := len(st); i < len(pts); i++ {
		next := pstate{exists: cur.exists, vals: slices.Clone(cur.vals)}
		if next.vals == nil {
			next.vals = make([]schemas.Value, n)
		}
		for _, o := range pts[i].Ops {
			if o.Kind == schemas.OpDelete {
				if ignoreDel {
					continue
				}
				next.exists, next.dels = false, true
				clear(next.vals)
			} else {
				next.exists = true
				for _, av := range o.Attrs {
					next.vals[av.A] = av.V
				}
			}
			next.eff = true
			next.op, next.seq, next.part, next.off = o.Kind, o.Seq, o.Part, o.Off
		}
		st = append(st, next)
		cur = next
	}
	return st
}

// valEq compares values, NaN equal to NaN.
func valEq(a, b schemas.Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case schemas.KindNumber:
		return a.Num == b.Num || math.IsNaN(a.Num) && math.IsNaN(b.Num)
	case schemas.KindString:
		return a.Str == b.Str
	}
	return true
}

// uchg is one change of a unit: a point where the unit's values (or, for the
// whole instance, its existence) changed.
type uchg struct {
	i      int // point index
	t      int64
	prev   *pstate // the state before (never nil; prev.exists false before creation)
	cur    *pstate
	from   int64 // start of the values before: previous change of the unit in the lifecycle, or the lifecycle's start
	until  int64 // the next change of the unit (or, for a deletion, the next creation)
	hasEnd bool  // until is set
}

var noState = &pstate{}

// scanMark is where a scan for a unit's changes may start instead of at the
// first point: a change the last scan found before its valid time since,
// with the scan's state just before that change. A scan from there finds
// the same changes as one from the start for any later since: every
// change before it is dropped anyway, and creations before it bound no
// row after it. Inserting or changing a point at or before it voids it
// (Inst.apply). With it an event at the end of an instrument's timeline
// costs the same however long the timeline is.
type scanMark struct {
	ok   bool
	i    int // the change's point
	prev int // the effective point before it, -1 for none
	last int64
	open bool
}

// changes lists the changes of a unit from the last one before valid time
// since on (the rows an event at since may touch). instance: the unit is the
// whole instance, so creation and deletion are changes even with every
// value NULL. mk, when not nil, is the unit's scan mark: used when it lies
// before since, and moved to the last change before since.
func changes(pts []PointOps, st []pstate, unit []int, instance bool, since int64, mk *scanMark) []uchg {
	var out []uchg
	var creations []int64
	prev, prevIdx := noState, -1
	var last int64
	open := false
	start := 0
	if mk != nil && mk.ok && mk.i < len(st) && pts[mk.i].T < since {
		start, prevIdx, last, open = mk.i, mk.prev, mk.last, mk.open
		if prevIdx >= 0 {
			prev = &st[prevIdx]
		}
	}
	var found scanMark
	for i := start; i < len(st); i++ {
		cur := &st[i]
		if !cur.eff {
			continue
		}
		t := pts[i].T
		before := scanMark{ok: true, i: i, prev: prevIdx, last: last, open: open}
		created := !prev.exists && cur.exists
		deleted := prev.exists && !cur.exists
		diff := false
		for _, a := range unit {
			if !valEq(valOf(prev, a), valOf(cur, a)) {
				diff = true
				break
			}
		}
		if created {
			last, open = t, false
			creations = append(creations, t)
		}
		if diff || instance && (created || deleted) || deleted && open {
			if t < since {
				out = out[:0] // only the last change before since matters
				found = before
			}
			out = append(out, uchg{i: i, t: t, prev: prev, cur: cur, from: last})
			if cur.exists {
				open, last = true, t
			}
		}
		if deleted {
			open = false
		}
		prev, prevIdx = cur, i
	}
	if mk != nil && found.ok {
		*mk = found
	}
	for k := range out {
		c := &out[k]
		if k+1 < len(out) {
			c.until, c.hasEnd = out[k+1].t, true
		}
		if !c.cur.exists {
			// A deletion row lasts until the instrument is created again.
			j, _ := slices.BinarySearch(creations, c.t+1)
			if j < len(creations) && (!c.hasEnd || creations[j] < c.until) {
				c.until, c.hasEnd = creations[j], true
			}
		}
	}
	return out
}

func valOf(s *pstate, a int) schemas.Value {
	if !s.exists {
		return schemas.Value{}
	}
	return s.vals[a]
}

// stateAt returns the state as of just before valid time t (points < t).
func stateAt(pts []PointOps, st []pstate, t int64) *pstate {
	i, _ := slices.BinarySearchFunc(pts, t, func(p PointOps, t int64) int { return cmpInt(p.T, t) })
	if i == 0 {
		return noState
	}
	return &st[i-1]
}
