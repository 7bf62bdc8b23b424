package history

import (
	"slices"

	"pricewatch/schemas"
)

// Point is one change of one attribute: its value from ValidFrom on.
type Point struct {
	ValidFrom int64
	Value     schemas.Value
	Op        schemas.Op
	Seq       int64
	Partition int32
	Offset    int64
	Deleted   bool // a delete closed the interval before the next point
	DeletedAt int64
}

// Attr is the change points of one (instrument, attribute), by ValidFrom.
type Attr struct {
	Points []Point
	Seq    int64
}

// Interval keeps the interval history of every tracked attribute of every
// instrument of one lane and emits attr_history rows as they change. It is
// not safe for concurrent use.
type Interval struct {
	spec     Spec
	state    map[string]*instrument
	sorted   []*instrument   // the instruments of state, by id when !unsorted
	unsorted bool            // instruments were added since sorted was sorted
	known    map[string]bool // attribute name -> tracked, cached
	names    []knownName     // the first few of known, checked before the map
	// ckptSize is the length of the last checkpoint, to size the next.
	ckptSize int
}

// NewInterval returns an empty history for a validated spec.
func NewInterval(s Spec) *Interval {
	return &Interval{spec: s, state: map[string]*instrument{}, known: map[string]bool{}}
}

// instrument is the history of one instrument's attributes, and its part of
// the last checkpoint, reused until one of them changes (most instruments'
// reference data does not change between two epochs).
type instrument struct {
	id    string
	attrs map[string]*Attr
	enc   []byte // valid when fresh
	fresh bool
}

// Process applies one event and appends the attr_history rows it changed.
func (h *Interval) Process(ev *schemas.Event, out []schemas.HistoryRow) []schemas.HistoryRow {
	if ev.Op == schemas.OpDelete {
		return h.delete(ev, out)
	}
	for i := range ev.Attrs {
		a := &ev.Attrs[i]
		if !h.tracked(a.Name) {
			continue
		}
		out = h.change(ev, a, out)
	}
	return out
}

// knownName caches whether an attribute name is tracked; a few of them are
// checked by pointer before hashing, as the decoder interns names.
type knownName struct {
	name    string
	tracked bool
}

const fastNames = 8

func (h *Interval) tracked(name string) bool {
	for i := range h.names {
		if schemas.SameString(h.names[i].name, name) {
			return h.names[i].tracked
		}
	}
	t, ok := h.known[name]
	if !ok {
		t = h.spec.tracks(name)
		h.known[name] = t
	}
	if len(h.names) < fastNames {
		h.names = append(h.names, knownName{name, t})
	}
	return t
}

// attr returns an instrument and the state of one of its attributes, created
// if need be.
func (h *Interval) attr(id, name string) (*instrument, *Attr) {
	in := h.state[id]
	if in == nil {
		in = &instrument{id: id, attrs: map[string]*Attr{}}
		h.state[id] = in
		h.sorted = append(h.sorted, in)
		h.unsorted = true
	}
	a := in.attrs[name]
	if a == nil {
		a = &Attr{}
		in.attrs[name] = a
	}
	return in, a
}

// change inserts or overwrites the point at ev.EventTime and re-emits the
// rows whose interval it touched: the new one and the one before it.
func (h *Interval) change(ev *schemas.Event, a *schemas.Attr, out []schemas.HistoryRow) []schemas.HistoryRow {
	in, st := h.attr(ev.InstrumentID, a.Name)
	t := ev.EventTime
	i, found := slices.BinarySearchFunc(st.Points, t, func(p Point, t int64) int { return cmpInt(p.ValidFrom, t) })
	if found {
		if st.Points[i].Value.Equal(a.Value) && !st.Points[i].Deleted {
			return out
		}
	} else if i > 0 && !st.Points[i-1].Deleted && st.Points[i-1].Value.Equal(a.Value) {
		return out // same value as the interval it falls in: no change
	}
	in.fresh = false // its checkpoint part is encoded again
	st.Seq++
	p := Point{ValidFrom: t, Value: a.Value, Op: ev.Op, Seq: st.Seq, Partition: ev.Partition, Offset: ev.Offset}
	if found {
		st.Points[i] = p
	} else {
		st.Points = slices.Insert(st.Points, i, p)
		if i > 0 {
			out = append(out, h.row(ev, a.Name, st, i-1))
		}
	}
	return append(out, h.row(ev, a.Name, st, i))
}

// delete closes the open interval of every attribute of the instrument at
// the event time.
func (h *Interval) delete(ev *schemas.Event, out []schemas.HistoryRow) []schemas.HistoryRow {
	in := h.state[ev.InstrumentID]
	if in == nil {
		return out
	}
	in.fresh = false
	m := in.attrs
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		st := m[name]
		i, _ := slices.BinarySearchFunc(st.Points, ev.EventTime+1, func(p Point, t int64) int { return cmpInt(p.ValidFrom, t) })
		if i == 0 || st.Points[i-1].Deleted {
			continue
		}
		p := &st.Points[i-1]
		p.Deleted, p.DeletedAt = true, ev.EventTime
		out = append(out, h.row(ev, name, st, i-1))
	}
	return out
}

// row builds the current version of the interval that starts at point i.
func (h *Interval) row(ev *schemas.Event, name string, st *Attr, i int) schemas.HistoryRow {
	p := &st.Points[i]
	r := schemas.HistoryRow{
		InstrumentID: ev.InstrumentID, Attribute: name, Value: p.Value, ValidFrom: p.ValidFrom,
		Op: p.Op, ChangeSeq: p.Seq, SrcPartition: p.Partition, SrcOffset: p.Offset, EmitOffset: ev.Offset,
		Open: true,
	}
	switch {
	case p.Deleted:
		r.ValidTo, r.Open = p.DeletedAt, false
	case i+1 < len(st.Points):
		r.ValidTo, r.Open = st.Points[i+1].ValidFrom, false
	}
	return r
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// snapshot is the gob form of the state.
// Instruments returns the number of instruments with history.
func (h *Interval) Instruments() int { return len(h.state) }
