package detectors

import (
	"fmt"
	"unsafe"

	"pricewatch/schemas"
)

// table holds a detector's state per (instrument, attribute): the row of
// instrument ix and attribute number a is rows[ix*len(attrs)+a]. Rows are
// appended when an instrument is first seen and never freed.
type table[T any] struct {
	attrs []string
	rows  []T
}

func newTable[T any](attrs []string) table[T] {
	return table[T]{attrs: append([]string(nil), attrs...)}
}

// add appends the zero rows of a new instrument.
func (t *table[T]) add() {
	var zero T
	for range t.attrs {
		t.rows = append(t.rows, zero)
	}
}

// at returns the row of instrument ix and attribute number a.
func (t *table[T]) at(ix int32, a int) *T {
	return &t.rows[int(ix)*len(t.attrs)+a]
}

// bytes approximates the memory held, not counting what rows point to.
func (t *table[T]) bytes() int {
	var zero T
	return cap(t.rows) * int(unsafe.Sizeof(zero))
}

// tableSnapshot is a table's checkpoint as read: the binary form of
// row_codec.go, or gob in checkpoints of earlier versions.
type tableSnapshot[T any] struct {
	Attrs []string
	Rows  []T
}

func (t *table[T]) save(b []byte) ([]byte, error) {
	return appendRows(b, t.attrs, t.rows), nil
}

// rowsPer returns the number of rows of each instrument.
func (t *table[T]) rowsPer() int { return len(t.attrs) }

// load replaces the rows with saved ones for len(ids) instruments. Saved
// attributes are matched to the configured ones by name; a configured
// attribute that was not saved starts empty. With no saved state (b is nil)
// every row starts empty.
func (t *table[T]) load(b []byte, ids []string) error {
	var snap tableSnapshot[T]
	switch {
	case len(b) >= len(rowsMagic) && string(b[:len(rowsMagic)]) == rowsMagic:
		var err error
		if snap.Attrs, snap.Rows, err = readRows[T](b); err != nil {
			return err
		}
	case b != nil: // a checkpoint of an earlier version, in gob
		if err := decodeGob(b, &snap); err != nil {
			return err
		}
	}
	n, k := len(ids), len(snap.Attrs)
	if len(snap.Rows) != n*k {
		return fmt.Errorf("%d rows for %d instruments and %d attributes", len(snap.Rows), n, k)
	}
	from := make([]int, len(t.attrs))
	for a, name := range t.attrs {
		from[a] = -1
		for i, old := range snap.Attrs {
			if old == name {
				from[a] = i
			}
		}
	}
	rows := make([]T, n*len(t.attrs))
	for ix := range n {
		for a, i := range from {
			if i >= 0 {
				rows[ix*len(t.attrs)+a] = snap.Rows[ix*k+i]
			}
		}
	}
	t.rows = rows
	return nil
}

// last is the latest usable value of one attribute of one instrument, as
// the tick rules below keep it. Fields are exported for gob.
type last struct {
	Value float64
	Time  int64 // the latest event time applied
	Has   bool
}

// tick applies one event's value v of the attribute and reports the value x
// and the previous value, with ok when the event is a tick that has both:
//
//   - Only upserts are ticks. Deletes change nothing.
//   - A correction is not a tick, but when it is for the latest value (its
//     event time is not before the latest applied), it replaces the
//     previous value, so the next tick is compared with the corrected one.
//   - A null (on an upsert) clears the previous value.
//   - Strings and non-finite numbers are ignored (see the invalid detector).
//   - A non-positive x is reported but never kept as the previous value, so
//     the previous value is always positive and ratios and log returns of
//     the next tick are defined; with keepAny (detectors scoring
//     differences) it is kept like any other.
func (l *last) tick(op schemas.Op, v schemas.Value, t int64, keepAny bool) (x, prev float64, ok bool) {
	switch {
	case op == schemas.OpDelete:
		return 0, 0, false
	case v.Kind == schemas.KindNull:
		if op == schemas.OpUpsert {
			l.Has = false
		}
		return 0, 0, false
	case v.Kind != schemas.KindNumber || !finite(v.Num):
		return 0, 0, false
	}
	x, prev, ok = v.Num, l.Value, l.Has
	if op == schemas.OpCorrect {
		ok = false
		if l.Has && t < l.Time {
			return x, prev, false
		}
	}
	if x > 0 || keepAny {
		if !l.Has || t > l.Time {
			l.Time = t
		}
		l.Value, l.Has = x, true
	}
	return x, prev, ok
}

// next is tick for the named attribute of an event, followed by the return
// from the previous value (a log return, or with diff a difference): what
// every return-based detector scores. ok is false when the event gives no
// return.
func (l *last) next(ev *schemas.Event, name string, diff bool) (x, prev, r float64, ok bool) {
	v, has := ev.Attr(name)
	if !has {
		return 0, 0, 0, false
	}
	if x, prev, ok = l.tick(ev.Op, v, ev.EventTime, diff); !ok {
		return x, prev, 0, false
	}
	r, ok = ret(x, prev, diff)
	return x, prev, r, ok
}

// tabled is what every detector with per-(instrument, attribute) state
// shares: the settings of each group, the state table, the level of the
// current event (for the ensemble) and a buffer for reasons. Embedding it
// provides the detector's state methods.
type tabled[T, C any] struct {
	cfgs []C
	tab  table[T]
	lv   lvl
	buf  []byte
}

// newTabled returns the shared part of a detector over attrs, with each
// group's settings taken by cfg.
func newTabled[T, C any](ps []Params, cfg func(*Params) C, attrs []string) tabled[T, C] {
	d := tabled[T, C]{cfgs: each(ps, cfg), tab: newTable[T](attrs)}
	d.lv.Names = d.tab.attrs
	return d
}

func (d *tabled[T, C]) add(string, int32)                            { d.tab.add() }
func (d *tabled[T, C]) save(b []byte) ([]byte, error)                { return d.tab.save(b) }
func (d *tabled[T, C]) load(b []byte, ids []string, _ []int32) error { return d.tab.load(b, ids) }
func (d *tabled[T, C]) stateBytes() int                              { return d.tab.bytes() }
func (d *tabled[T, C]) level() *lvl                                  { return &d.lv }
