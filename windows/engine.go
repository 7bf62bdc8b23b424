package windows

import (
	"math"
	"math/bits"
	"slices"
	"time"

	"pricewatch/schemas"
)

// Window kinds as written in WindowBar.WindowKind.
const (
	kindTumbling = "tumbling"
	kindHopping  = "hopping"
	kindSession  = "session"
)

// The event times an engine accepts: years 0001 to 9999, UTC.
const (
	minTime = -62135596800000000 // 0001-01-01T00:00:00Z
	maxTime = 253402300799999999 // 9999-12-31T23:59:59.999999Z
)

// Output collects what Process and Flush emit. The caller owns it and calls
// Reset between epochs; the engine only appends.
type Output struct {
	Bars []schemas.WindowBar
	Late []schemas.LateEvent
}

// Reset empties both slices, keeping their capacity.
func (o *Output) Reset() {
	o.Bars, o.Late = o.Bars[:0], o.Late[:0]
}

// Engine is the window state of one lane (one Kafka partition): every
// configured window of every (instrument, attribute) seen in the lane, and the
// lane's watermark. Its output is a function of the events in offset order
// and the Spec only. Not safe for concurrent use: one goroutine per lane.
type Engine struct {
	spec                            Spec
	attrs                           []string
	nA                              int32
	volName                         string
	ooo, lateness, maxFuture, early int64
	clamp                           bool
	origin                          int64

	in    schemas.Interner // instrument ids, symbol-1 is their index
	bySym schemas.SymIndex // Event.Sym -> instrument index

	seen      bool
	maxSeen   int64
	wm        int64
	next      int64 // watermark at which some window has work
	earlyNext int64 // next early-interval boundary above the watermark
	stamp     uint32

	panes []*paneSet // tumbling specs, then hopping specs
	sess  []*sessSet

	ckptSize int // bytes of the last checkpoint, to size the next

	// per-event scratch
	vals   []float64
	has    uint64 // bit a: the event carries attribute a as a number
	vol    float64
	hasVol bool

	// set during Process and Flush
	out  *Output
	srcP int32
	srcO int64
	keys []barKey // sort key of each bar appended since begin
	sort barSorter

	// ranks order instruments and attributes by name, so that sorting bars
	// compares integers; instruments are ranked again when new ones came.
	rank     []int32 // by instrument index
	ranked   int     // instruments ranked
	attrRank []int32 // by attribute index
}

// NewEngine validates s and returns an empty engine for one lane.
func NewEngine(s Spec) (*Engine, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	loc, _ := time.LoadLocation(s.Timezone)
	e := &Engine{
		spec: s, attrs: slices.Clone(s.Attributes), nA: int32(len(s.Attributes)),
		volName: s.VolumeAttribute, ooo: s.OutOfOrderness.Micros(),
		lateness: s.AllowedLateness.Micros(), maxFuture: s.MaxFuture.Micros(),
		early: s.EarlyInterval.Micros(), clamp: s.FutureAction == "clamp", origin: originOf(loc),
		wm: math.MinInt64, next: math.MinInt64, earlyNext: math.MinInt64, stamp: 1,
		vals: make([]float64, len(s.Attributes)),
	}
	e.in.SetLimit(math.MaxInt)
	e.attrRank = make([]int32, len(e.attrs))
	for i, a := range e.attrs {
		for _, b := range e.attrs {
			if b < a {
				e.attrRank[i]++
			}
		}
	}
	for _, d := range s.Tumbling {
		e.panes = append(e.panes, newTumbling(time.Duration(d), loc, e.lateness))
	}
	for _, h := range s.Hopping {
		e.panes = append(e.panes, newHopping(h, loc, e.lateness))
	}
	for _, g := range s.Session {
		e.sess = append(e.sess, newSessions(time.Duration(g.Gap), e.lateness))
	}
	return e, nil
}

// Process folds an admitted event into its windows and advances the
// watermark. It appends to out the rows that became final, the re-emitted rows
// of closed windows it updated within the allowed lateness, early rows when
// the watermark crossed an early boundary, and a LateEvent for every window
// it missed. Rows carry ev.Partition/ev.Offset and are sorted by (WindowEnd,
// WindowStart, InstrumentID, Attribute, WindowKind).
func (e *Engine) Process(ev *schemas.Event, out *Output) {
	e.begin(out, ev.Partition, ev.Offset)
	mark := len(out.Bars)
	e.process(ev)
	e.end(mark)
}

// Heartbeat moves the lane clock to ev.EventTime as an event at that time
// would, folding nothing into any window: the rows that the new watermark
// makes final, and early rows when it crosses an early boundary, are
// appended to out, stamped with ev.Partition/ev.Offset. A heartbeat at or
// before the lane's newest event time changes nothing. ev must have been
// admitted (see Admit); its instrument and attributes are ignored.
func (e *Engine) Heartbeat(ev *schemas.Event, out *Output) {
	e.begin(out, ev.Partition, ev.Offset)
	mark := len(out.Bars)
	if e.observe(ev.EventTime) {
		e.emitEarly()
	}
	e.end(mark)
}

// MaxEventTime returns the newest event time the lane has seen (events and
// heartbeats), and false before the first one.
func (e *Engine) MaxEventTime() (int64, bool) { return e.maxSeen, e.seen }

func (e *Engine) begin(out *Output, p int32, o int64) {
	e.out, e.srcP, e.srcO = out, p, o
	e.keys = e.keys[:0]
}

func (e *Engine) end(mark int) {
	if len(e.out.Bars)-mark > 1 {
		e.sortBars(e.out.Bars[mark:])
	}
	e.out = nil
}

func (e *Engine) process(ev *schemas.Event) {
	t := ev.EventTime
	if t < minTime || t > maxTime {
		e.outOfRange(ev)
		return
	}
	inst := e.instrument(ev)
	e.readAttrs(ev)
	crossed := e.observe(t)
	for m := e.has; m != 0; m &= m - 1 {
		a := int32(bits.TrailingZeros64(m))
		slot, x := inst*e.nA+a, e.vals[a]
		for _, ps := range e.panes {
			ps.add(e, slot, t, x)
		}
		for _, st := range e.sess {
			st.add(e, slot, t, x)
		}
	}
	if crossed {
		e.emitEarly()
	}
}

// readAttrs picks the configured attributes and the volume out of ev (first
// occurrence of each; values that are not numbers are ignored).
func (e *Engine) readAttrs(ev *schemas.Event) {
	e.has, e.hasVol = 0, false
	for i := range ev.Attrs {
		at := &ev.Attrs[i]
		if at.Value.Kind != schemas.KindNumber {
			continue
		}
		if !e.hasVol && e.volName != "" && schemas.SameString(at.Name, e.volName) {
			e.vol, e.hasVol = at.Value.Num, true
		}
		for a, name := range e.attrs {
			if schemas.SameString(at.Name, name) {
				if e.has&(1<<a) == 0 {
					e.vals[a] = at.Value.Num
					e.has |= 1 << a
				}
				break
			}
		}
	}
}

// instrument returns the dense index of ev's instrument: through its symbol
// when the engine has seen it with the same id, else by hashing the id.
func (e *Engine) instrument(ev *schemas.Event) int32 {
	if i, ok := e.bySym.Get(ev); ok {
		return i
	}
	i := e.intern(ev.InstrumentID)
	e.bySym.Put(ev, i)
	return i
}

// intern returns the dense index of an instrument id.
func (e *Engine) intern(id string) int32 {
	n := e.in.Len()
	_, sym := e.in.StringSymbol(id)
	i := int32(sym) - 1
	if e.in.Len() == n {
		return i
	}
	for _, ps := range e.panes {
		ps.grow((i + 1) * e.nA)
	}
	for _, st := range e.sess {
		st.grow((i + 1) * e.nA)
	}
	return i
}

// Watermark returns the lane's current watermark (math.MinInt64 before any
// event).
func (e *Engine) Watermark() int64 { return e.wm }

// Flush emits every open window (end of input), stamped with
// srcPartition/srcOffset, and empties the window state. The watermark and the
// interned instruments stay; an event processed afterwards starts new windows.
func (e *Engine) Flush(srcPartition int32, srcOffset int64, out *Output) {
	e.begin(out, srcPartition, srcOffset)
	mark := len(out.Bars)
	for _, ps := range e.panes {
		ps.flush(e)
	}
	for _, st := range e.sess {
		st.flush(e)
	}
	e.end(mark)
	e.next = e.nextAt()
}

// bar appends one window row.
func (e *Engine) bar(a *agg, slot int32, kind string, start, end int64, rev int32, late int64, early bool) {
	r := schemas.WindowBar{
		InstrumentID: e.in.Strings()[slot/e.nA], Attribute: e.attrs[slot%e.nA], WindowKind: kind,
		WindowStart: start, WindowEnd: end, LateUpdates: late, Revision: rev, Early: early,
		SrcPartition: e.srcP, SrcOffset: e.srcO,
	}
	a.fill(&r)
	e.out.Bars = append(e.out.Bars, r)
	e.keys = append(e.keys, barKey{end: end, start: start, slot: slot, kind: kindRank(kind)})
}

// late appends one LateEvent.
func (e *Engine) late(slot int32, kind string, t int64, x float64, start, end int64, reason string) {
	e.out.Late = append(e.out.Late, schemas.LateEvent{
		InstrumentID: e.in.Strings()[slot/e.nA], Attribute: e.attrs[slot%e.nA], WindowKind: kind, EventTime: t, Value: x,
		WindowStart: start, WindowEnd: end, Watermark: e.wm, Reason: reason,
		SrcPartition: e.srcP, SrcOffset: e.srcO,
	})
}
