package history

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"pricewatch/schemas"
)

// Tables returns the output tables the spec's history layouts write, besides
// attr_history, in a fixed order: the master, each layout's current,
// history and correction tables, the bitemporal table, the snapshot table
// and <entity>_rejects. It returns nil when history.tables is empty or the
// spec is invalid (Validate reports why).
func (s *Spec) Tables() []*schemas.Table {
	p, err := s.compile()
	if err != nil || len(p.layouts) == 0 {
		return nil
	}
	ts := make([]*schemas.Table, len(p.outs))
	for i, o := range p.outs {
		ts[i] = o.t
	}
	return ts
}

// Layouts turns the events of one lane into the rows of every history
// table. It is not safe for concurrent use.
type Layouts struct {
	p     *plan
	byTbl map[string]int
	inst  map[string]*Inst
	buf   [][]row
	all   []int

	seen     bool  // an event has been processed: the snapshot clock runs
	snapNext int64 // the next snapshot boundary
	maxT     int64 // the latest event time processed
	grid     grid
}

// NewLayouts returns empty layouts for a spec (which it validates).
func NewLayouts(s Spec) (*Layouts, error) {
	p, err := s.compile()
	if err != nil {
		return nil, err
	}
	h := &Layouts{p: p, byTbl: map[string]int{}, inst: map[string]*Inst{}, buf: make([][]row, len(p.outs)),
		all: allAttrs(len(p.attrs))}
	for i, o := range p.outs {
		h.byTbl[o.t.Name] = i
	}
	if p.snap != nil {
		h.grid = newGrid(p.every, p.loc)
	}
	return h, nil
}

// active reports whether any history table is configured.
func (h *Layouts) active() bool { return len(h.p.layouts) > 0 }

// Process applies one event: it buffers the rows of every table that the
// event adds or changes. Events that carry none of the entity's attributes
// (ticks) are ignored, deletes excepted.
func (h *Layouts) Process(ev *schemas.Event) {
	if !h.active() {
		return
	}
	p := h.p
	var avs []AttrVal
	if ev.Op != schemas.OpDelete {
		for i := range ev.Attrs {
			a := &ev.Attrs[i]
			ai, ok := p.byName[a.Name]
			if !ok {
				continue
			}
			if reason := p.typeError(ai, a.Value); reason != "" {
				h.reject(ev, a, reason)
				continue
			}
			avs = append(avs, AttrVal{A: ai, V: a.Value})
		}
		if len(avs) == 0 {
			return
		}
	}
	in := h.inst[ev.InstrumentID]
	if in == nil {
		in = &Inst{ID: ev.InstrumentID}
		h.inst[ev.InstrumentID] = in
	}
	before := p.derive(in, ev.EventTime)
	rec := ev.EventTime
	if ev.HasRecordedAt {
		rec = ev.RecordedAt
	}
	if in.Seq > 0 && rec <= in.LastRec {
		rec = in.LastRec + 1 // recorded time never goes back
	}
	in.LastRec = rec
	in.Seq++
	in.apply(ev.EventTime, Op{Kind: ev.Op, Attrs: avs, Seq: in.Seq, Part: ev.Partition, Off: ev.Offset, Rec: rec})
	after := p.derive(in, ev.EventTime)
	h.emitDiff(ev, before, after, rec, in.Seq)
	h.bitemporal(in, rec, ev.Offset, ev.EventTime)
	if !h.seen || ev.EventTime > h.maxT {
		h.maxT = ev.EventTime
	}
	if !h.seen && p.snap != nil {
		h.snapNext = h.grid.next(ev.EventTime)
	}
	h.seen = true
}

func (p *plan) typeError(a int, v schemas.Value) string {
	switch {
	case v.Kind == schemas.KindNull:
		return ""
	case p.attrs[a].num && v.Kind != schemas.KindNumber:
		return p.attrs[a].name + ": want a number, got a string"
	case !p.attrs[a].num && v.Kind != schemas.KindString:
		return p.attrs[a].name + ": want a string, got a number"
	}
	return ""
}

func (h *Layouts) reject(ev *schemas.Event, a *schemas.Attr, reason string) {
	d := rowData{id: ev.InstrumentID, evTime: ev.EventTime, rejAttr: a.Name, rejReason: reason,
		part: ev.Partition, off: ev.Offset}
	switch a.Value.Kind {
	case schemas.KindNumber:
		d.rejValue = strconv.FormatFloat(a.Value.Num, 'g', -1, 64)
	case schemas.KindString:
		d.rejValue = a.Value.Str
	default:
		d.rejNull = true
	}
	h.emit(h.p.rej, h.p.build(h.p.rej, &d), ev.Offset)
}

func (h *Layouts) emit(o *out, r row, emitOffset int64) {
	r[o.emitPos] = intCell(emitOffset)
	h.buf[o.id] = append(h.buf[o.id], r)
}

// emitDiff buffers every row whose key is new or whose columns changed, and
// a void version of every row whose key no longer has one. A correction
// also keeps the versions it replaced (corrections: table or kind).
func (h *Layouts) emitDiff(ev *schemas.Event, before, after derived, rec, seq int64) {
	p := h.p
	vd := rowData{seq: seq, part: ev.Partition, off: ev.Offset}
	for _, o := range p.derived {
		b, a := before[o.id], after[o.id]
		keys := make([]string, 0, len(a)+len(b))
		for k := range a {
			keys = append(keys, k)
		}
		for k := range b {
			if _, ok := a[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		corr := p.corrOf(o)
		for _, k := range keys {
			ra, inA := a[k]
			rb, inB := b[k]
			switch {
			case inA && (!inB || !o.same(rb, ra, false)):
				h.emit(o, ra, ev.Offset)
			case !inA:
				h.emit(o, o.void(rb, &vd), ev.Offset)
			}
			if ev.Op != schemas.OpCorrect || corr == corrOverwrite || !inB || inA && o.same(rb, ra, true) {
				continue
			}
			if corr == corrKind {
				c := slices.Clone(rb)
				c[o.kindPos] = strCell("correct")
				h.emit(o, c, ev.Offset)
			} else {
				c := make(row, 0, len(o.corr.cols))
				for i, col := range o.cols {
					if col.role != rEmit {
						c = append(c, rb[i])
					}
				}
				c = append(c, intCell(rec), intCell(ev.Offset), intCell(0))
				h.emit(o.corr, c, ev.Offset)
			}
		}
	}
}

// corrOf returns the correction treatment of a history table.
func (p *plan) corrOf(o *out) corrMode {
	for _, L := range p.layouts {
		for _, hh := range L.hist {
			if hh == o {
				return L.corr
			}
		}
	}
	return corrOverwrite
}

// bitemporal updates the instrument's bitemporal rows: every open row that
// the new valid-time timeline no longer has is closed at the recorded time
// rec, and every interval of the timeline that no open row has is inserted
// from rec.
func (h *Layouts) bitemporal(in *Inst, rec, emitOffset, t int64) {
	p := h.p
	st := in.states(len(p.attrs), false)
	ch := changes(in.Points, st, h.all, true, t, in.mark(p.marks, p.marks+1))
	// Open rows before the last change before t are untouched (with no
	// change before t, every open row may be): they stay where they are,
	// and only the rows from k on are rebuilt, so that an event at the end
	// of a long timeline costs no more than one at the end of a short one.
	k := 0
	if len(ch) > 0 && ch[0].t < t {
		k, _ = slices.BinarySearchFunc(in.Bt, ch[0].t, func(b BtRow, t int64) int { return cmpInt(b.From, t) })
	}
	tail := in.Bt[k:]
	var open []BtRow // the open rows from k on
	var next []BtRow
	for _, c := range ch {
		if !c.cur.exists {
			continue
		}
		next = append(next, BtRow{From: c.t, To: c.until, ToOpen: !c.hasEnd, Vals: c.cur.vals,
			Op: c.cur.op, Seq: c.cur.seq, Part: c.cur.part, Off: c.cur.off})
	}
	same := func(a, b *BtRow) bool {
		if a.From != b.From || a.ToOpen != b.ToOpen || !a.ToOpen && a.To != b.To {
			return false
		}
		for i := range a.Vals {
			if !valEq(a.Vals[i], b.Vals[i]) {
				return false
			}
		}
		return true
	}
	kept := make([]bool, len(next))
	byFrom := make(map[int64]int, len(next)) // valid_from is unique in a timeline
	for j := range next {
		byFrom[next[j].From] = j
	}
	for i := range tail {
		old := &tail[i]
		if j, ok := byFrom[old.From]; ok && !kept[j] && same(old, &next[j]) {
			kept[j] = true
			open = append(open, *old)
			continue
		}
		h.emitBt(in.ID, old, rec, false, emitOffset)
	}
	for j := range next {
		if kept[j] {
			continue
		}
		n := next[j]
		n.RecFrom = rec
		h.emitBt(in.ID, &n, 0, true, emitOffset)
		open = append(open, n)
	}
	// Every row before k starts before ch[0].t, and every row of open at or
	// after it (valid_from is unique among open rows), so the whole stays
	// sorted.
	slices.SortFunc(open, func(a, b BtRow) int { return cmpInt(a.From, b.From) })
	in.Bt = append(in.Bt[:k], open...)
}

func (h *Layouts) emitBt(id string, b *BtRow, recTo int64, recOpen bool, emitAt int64) {
	d := rowData{id: id, from: b.From, to: b.To, toOpen: b.ToOpen, recFrom: b.RecFrom, recTo: recTo, recOpen: recOpen,
		vals: b.Vals, op: b.Op.String(), seq: b.Seq, part: b.Part, off: b.Off}
	h.emit(h.p.bt, h.p.build(h.p.bt, &d), emitAt)
}

// Advance tells the layouts the lane's watermark moved to wm while
// processing the record at srcOffset: it writes a snapshot of every
// instrument for every snapshot boundary the watermark passed (wm >= the
// boundary), with the state as of the boundary (changes before it).
func (h *Layouts) Advance(wm int64, srcPartition int32, srcOffset int64) {
	if h.p.snap == nil || !h.seen {
		return
	}
	for h.snapNext <= wm {
		h.snapshot(h.snapNext, srcPartition, srcOffset)
		h.snapNext = h.grid.next(h.snapNext)
	}
}

// Flush ends the input: with snapshots on, it writes the snapshots of every
// boundary not written yet up to the end of the period holding the latest
// event time, as closing windows would. It writes nothing else.
func (h *Layouts) Flush(srcPartition int32, srcOffset int64) {
	if h.p.snap == nil || !h.seen {
		return
	}
	end := h.grid.next(h.maxT)
	for h.snapNext <= end {
		h.snapshot(h.snapNext, srcPartition, srcOffset)
		h.snapNext = h.grid.next(h.snapNext)
	}
}

func (h *Layouts) snapshot(b int64, part int32, off int64) {
	p := h.p
	ids := make([]string, 0, len(h.inst))
	for id := range h.inst {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	start := h.grid.prev(b)
	for _, id := range ids {
		in := h.inst[id]
		s := stateAt(in.Points, in.states(len(p.attrs), false), b)
		if !s.exists {
			continue
		}
		d := rowData{id: id, winStart: start, winEnd: b, vals: s.vals, part: part, off: off}
		h.emit(p.snap, p.build(p.snap, &d), off)
	}
}

// Rows is one epoch's rows of every history table, taken from the layouts
// (Take): immutable, so a sink may turn them into records on another
// goroutine while the lane goes on.
type Rows struct {
	p     *plan
	byTbl map[string]int
	buf   [][]row
}

func (r *Rows) table(t *schemas.Table) int {
	if t == nil {
		return -1
	}
	if i, ok := r.byTbl[t.Name]; ok {
		return i
	}
	return -1
}

// Len returns the number of rows of table t (matched by name).
func (r *Rows) Len(t *schemas.Table) int {
	if i := r.table(t); i >= 0 {
		return len(r.buf[i])
	}
	return 0
}

// Total returns the number of rows of every table.
func (r *Rows) Total() int {
	n := 0
	for _, b := range r.buf {
		n += len(b)
	}
	return n
}

// Record builds the Arrow record of the rows of t, in the order they were
// emitted. The caller releases it.
func (r *Rows) Record(mem memory.Allocator, t *schemas.Table) arrow.RecordBatch {
	i := r.table(t)
	if i < 0 {
		return record(mem, &out{t: t}, nil)
	}
	return record(mem, r.p.outs[i], r.buf[i])
}

func (h *Layouts) rows() *Rows { return &Rows{p: h.p, byTbl: h.byTbl, buf: h.buf} }

// Len returns the number of rows buffered for table t (matched by name).
func (h *Layouts) Len(t *schemas.Table) int { return h.rows().Len(t) }

// Record builds the Arrow record of the rows buffered for t, in the order
// they were emitted. The caller releases it.
func (h *Layouts) Record(mem memory.Allocator, t *schemas.Table) arrow.RecordBatch {
	return h.rows().Record(mem, t)
}

// Take hands over the buffered rows and starts empty buffers: for a sink
// that writes an epoch while the lane goes on.
func (h *Layouts) Take() *Rows {
	r := h.rows()
	h.buf = make([][]row, len(h.p.outs))
	return r
}

// Reset drops the buffered rows (after an epoch commit, or a replay).
func (h *Layouts) Reset() {
	for i := range h.buf {
		clear(h.buf[i])
		h.buf[i] = h.buf[i][:0]
	}
}

// Instruments returns the number of instruments with state.
func (h *Layouts) Instruments() int { return len(h.inst) }

// layoutsState is the gob form of the state.
type layoutsState struct {
	Attrs    []string
	Inst     map[string]*Inst
	Seen     bool
	SnapNext int64
	MaxT     int64
}

// MarshalBinary returns the state for a checkpoint.
func (h *Layouts) MarshalBinary() ([]byte, error) {
	s := layoutsState{Inst: h.inst, Seen: h.seen, SnapNext: h.snapNext, MaxT: h.maxT}
	for _, a := range h.p.attrs {
		s.Attrs = append(s.Attrs, a.name)
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&s); err != nil {
		return nil, fmt.Errorf("history: cannot encode layouts: %w", err)
	}
	return b.Bytes(), nil
}

// UnmarshalBinary restores a checkpoint's state. An empty input (a
// checkpoint written before history layouts existed) restores empty state.
func (h *Layouts) UnmarshalBinary(b []byte) error {
	if len(b) == 0 {
		h.inst, h.seen, h.snapNext, h.maxT = map[string]*Inst{}, false, 0, 0
		return nil
	}
	var s layoutsState
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("history: cannot decode layouts: %w", err)
	}
	if len(s.Inst) > 0 {
		var now []string
		for _, a := range h.p.attrs {
			now = append(now, a.name)
		}
		if !slices.Equal(now, s.Attrs) {
			return fmt.Errorf("history: the checkpoint keeps attributes %v but history.attributes is now %v; restore the old attribute list or start a new output folder", s.Attrs, now)
		}
	}
	if s.Inst == nil {
		s.Inst = map[string]*Inst{}
	}
	h.inst, h.seen, h.snapNext, h.maxT = s.Inst, s.Seen, s.SnapNext, s.MaxT
	return nil
}

// grid numbers snapshot periods like the window engine: a whole number of
// days in a zone other than UTC are local calendar days from local midnight;
// otherwise fixed steps from 1970-01-01T00:00 local.
type grid struct {
	origin int64
	step   int64
	loc    *time.Location
	days   int
}

func newGrid(every time.Duration, loc *time.Location) grid {
	const day = 24 * time.Hour
	if loc != time.UTC && every%day == 0 {
		return grid{loc: loc, days: int(every / day)}
	}
	return grid{origin: time.Date(1970, 1, 1, 0, 0, 0, 0, loc).UnixMicro(), step: every.Microseconds()}
}

// next returns the first boundary after t.
func (g grid) next(t int64) int64 {
	if g.loc == nil {
		k := floorDiv(t-g.origin, g.step)
		return g.origin + (k+1)*g.step
	}
	lt := time.UnixMicro(t).In(g.loc)
	y, m, d := lt.Date()
	days := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	k := int(floorDiv(int64(days), int64(g.days)))
	for g.start(k) > t {
		k--
	}
	for g.start(k) <= t {
		k++
	}
	return g.start(k)
}

// prev returns the boundary before boundary b.
func (g grid) prev(b int64) int64 {
	if g.loc == nil {
		return b - g.step
	}
	lt := time.UnixMicro(b).In(g.loc)
	return time.Date(lt.Year(), lt.Month(), lt.Day()-g.days, 0, 0, 0, 0, g.loc).UnixMicro()
}

func (g grid) start(k int) int64 {
	return time.Date(1970, time.January, 1+k*g.days, 0, 0, 0, 0, g.loc).UnixMicro()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
