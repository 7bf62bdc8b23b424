package windows

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"pricewatch/schemas"
)

// refEngine is the brute-force reference: it keeps every event, recomputes
// each row from the events a window accepted, and decides lateness, closing
// and early rows from the watermark sequence directly. It shares only the
// reason texts with the engine.
type refEngine struct {
	spec          Spec
	loc           *time.Location
	origin        int64
	ooo, L, E, MF int64
	clamp         bool

	seen      bool
	maxSeen   int64
	wm        int64
	evs       []refEv
	wins      map[refKey]*refWin
	open      []*refWin // windows not yet closed
	sess      map[refSKey][]*refSess
	lastCross int // index of the event at the last early crossing
}

type refEv struct {
	t      int64
	inst   string
	x      []float64
	has    []bool
	vol    float64
	hasVol bool
}

type refKey struct {
	spec       int // index over tumbling then hopping specs
	inst       string
	attr       int
	start, end int64
}

type refWin struct {
	key   refKey
	kind  string
	evs   []int
	late  int
	emits int
}

type refSKey struct {
	spec int
	inst string
	attr int
}

type refSess struct {
	evs    []int
	emits  int
	late   int
	closed bool
	purged bool
}

func newRef(s Spec) *refEngine {
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		panic(err)
	}
	return &refEngine{
		spec: s, loc: loc, origin: time.Date(1970, 1, 1, 0, 0, 0, 0, loc).UnixMicro(),
		ooo: s.OutOfOrderness.Micros(), L: s.AllowedLateness.Micros(), E: s.EarlyInterval.Micros(),
		MF: s.MaxFuture.Micros(), clamp: s.FutureAction == "clamp",
		wm: math.MinInt64, wins: map[refKey]*refWin{}, sess: map[refSKey][]*refSess{}, lastCross: -1,
	}
}

func (r *refEngine) admit(ev *schemas.Event) (bool, string) {
	t := ev.EventTime
	if t < minTime || t > maxTime {
		return false, fmt.Sprintf("event_time %d us is outside the supported years 0001-9999", t)
	}
	if r.MF == 0 || !r.seen || t <= r.maxSeen+r.MF {
		return true, ""
	}
	if r.clamp {
		ev.EventTime = r.maxSeen + r.MF
		return true, fmt.Sprintf("event_time %s was %s ahead of the partition clock; clamped to %s (max_future %s)",
			fmtTime(t), fmtDur(t-r.maxSeen), fmtTime(ev.EventTime), fmtDur(r.MF))
	}
	return false, fmt.Sprintf("event_time %s is %s ahead of the partition clock; max_future is %s",
		fmtTime(t), fmtDur(t-r.maxSeen), fmtDur(r.MF))
}

// unit returns the start of the step-sized unit holding t and of the u-th
// unit after it.
func (r *refEngine) unitOf(step time.Duration, t int64) int64 {
	if r.loc != time.UTC && step%(24*time.Hour) == 0 {
		days := int64(step / (24 * time.Hour))
		lt := time.UnixMicro(t).In(r.loc)
		dn := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
		u := dn / days
		if dn%days < 0 {
			u--
		}
		for t < r.unitStart(step, u) {
			u--
		}
		for t >= r.unitStart(step, u+1) {
			u++
		}
		return u
	}
	st := step.Microseconds()
	rem := ((t-r.origin)%st + st) % st
	return (t - rem - r.origin) / st
}

func (r *refEngine) unitStart(step time.Duration, u int64) int64 {
	if r.loc != time.UTC && step%(24*time.Hour) == 0 {
		days := int(step / (24 * time.Hour))
		return time.Date(1970, 1, 1+int(u)*days, 0, 0, 0, 0, r.loc).UnixMicro()
	}
	return r.origin + u*step.Microseconds()
}

// windowsOf lists the windows of pane spec i holding t, by start.
func (r *refEngine) windowsOf(i int, t int64) (kind, label string, ws [][2]int64) {
	if i < len(r.spec.Tumbling) {
		d := time.Duration(r.spec.Tumbling[i])
		u := r.unitOf(d, t)
		return kindTumbling, "tumbling " + d.String(), [][2]int64{{r.unitStart(d, u), r.unitStart(d, u+1)}}
	}
	h := r.spec.Hopping[i-len(r.spec.Tumbling)]
	size, slide := time.Duration(h.Size), time.Duration(h.Slide)
	n := int64(size / slide)
	u := r.unitOf(slide, t)
	for s := u - n + 1; s <= u; s++ {
		ws = append(ws, [2]int64{r.unitStart(slide, s), r.unitStart(slide, s+n)})
	}
	return kindHopping, fmt.Sprintf("hopping %s/%s", size, slide), ws
}

func (r *refEngine) process(ev schemas.Event) ([]schemas.WindowBar, []schemas.LateEvent) {
	var bars []schemas.WindowBar
	var lates []schemas.LateEvent
	src := [2]int64{int64(ev.Partition), ev.Offset}
	re := r.decode(ev)
	t := ev.EventTime
	if t < minTime || t > maxTime {
		for a, name := range r.spec.Attributes {
			if re.has[a] {
				lates = append(lates, schemas.LateEvent{InstrumentID: ev.InstrumentID, Attribute: name, EventTime: t,
					Value: re.x[a], Watermark: r.wm,
					Reason:       fmt.Sprintf("event_time %d us is outside the supported years 0001-9999", t),
					SrcPartition: ev.Partition, SrcOffset: ev.Offset})
			}
		}
		return nil, lates
	}
	prev := r.wm
	if !r.seen || t > r.maxSeen {
		r.seen, r.maxSeen, r.wm = true, t, t-r.ooo
	}
	idx := len(r.evs)
	r.evs = append(r.evs, re)
	lateRow := func(a int, kind string, start, end int64, reason string) {
		lates = append(lates, schemas.LateEvent{InstrumentID: ev.InstrumentID, Attribute: r.spec.Attributes[a], WindowKind: kind,
			EventTime: t, Value: re.x[a], WindowStart: start, WindowEnd: end, Watermark: prev, Reason: reason,
			SrcPartition: ev.Partition, SrcOffset: ev.Offset})
	}
	nPane := len(r.spec.Tumbling) + len(r.spec.Hopping)
	for a := range r.spec.Attributes {
		if !re.has[a] {
			continue
		}
		for i := 0; i < nPane; i++ {
			kind, label, ws := r.windowsOf(i, t)
			var missed [][2]int64
			for _, w := range ws {
				if w[1]+r.L <= prev {
					missed = append(missed, w)
					continue
				}
				k := refKey{i, ev.InstrumentID, a, w[0], w[1]}
				rw := r.wins[k]
				if rw == nil {
					rw = &refWin{key: k, kind: kind}
					r.wins[k] = rw
					if w[1] > prev {
						r.open = append(r.open, rw)
					}
				}
				rw.evs = append(rw.evs, idx)
				if w[1] <= prev {
					rw.late++
					bars = append(bars, r.row(rw.evs, a, ev.InstrumentID, kind, w[0], w[1], rw.emits, rw.late, false, src))
					rw.emits++
				}
			}
			if len(missed) > 0 {
				w := missed[len(missed)-1]
				lateRow(a, kind, w[0], w[1], closedReason(label, w[0], w[1], prev, r.L, int64(len(missed)-1)))
			}
		}
		for i, g := range r.spec.Session {
			gap := g.Gap.Micros()
			key := refSKey{i, ev.InstrumentID, a}
			var ov, keep []*refSess
			for _, s := range r.sess[key] {
				if !s.purged && r.sStart(s) < t+gap && t < r.sEnd(s, gap) {
					ov = append(ov, s)
				} else {
					keep = append(keep, s)
				}
			}
			if len(ov) == 0 {
				if t+gap+r.L <= prev {
					lateRow(a, kindSession, t, t+gap, closedReason(fmt.Sprintf("session (gap %s)", time.Duration(g.Gap)), t, t+gap, prev, r.L, 0))
					continue
				}
				s := &refSess{evs: []int{idx}}
				if t+gap <= prev {
					s.late, s.closed = 1, true
					bars = append(bars, r.row(s.evs, a, ev.InstrumentID, kindSession, t, t+gap, 0, 1, false, src))
					s.emits = 1
				}
				r.sess[key] = append(keep, s)
				continue
			}
			m := &refSess{}
			anyClosed := false
			for _, s := range ov {
				m.evs = append(m.evs, s.evs...)
				m.emits = max(m.emits, s.emits)
				m.late += s.late
				anyClosed = anyClosed || s.closed
			}
			m.evs = append(m.evs, idx)
			end := r.sEnd(m, gap)
			if end <= prev {
				m.late++
				m.closed = true
				bars = append(bars, r.row(m.evs, a, ev.InstrumentID, kindSession, r.sStart(m), end, m.emits, m.late, false, src))
				m.emits++
			} else if anyClosed {
				m.late++
			}
			r.sess[key] = append(keep, m)
		}
	}
	if r.wm > prev {
		bars = append(bars, r.advance(prev, idx, src)...)
	}
	sortRef(bars)
	return bars, lates
}

func (r *refEngine) decode(ev schemas.Event) refEv {
	n := len(r.spec.Attributes)
	re := refEv{t: ev.EventTime, inst: ev.InstrumentID, x: make([]float64, n), has: make([]bool, n)}
	for a, name := range r.spec.Attributes {
		re.x[a], re.has[a] = ev.Num(name)
	}
	if r.spec.VolumeAttribute != "" {
		re.vol, re.hasVol = ev.Num(r.spec.VolumeAttribute)
	}
	return re
}

func (r *refEngine) sStart(s *refSess) int64 {
	m := int64(math.MaxInt64)
	for _, i := range s.evs {
		m = min(m, r.evs[i].t)
	}
	return m
}

func (r *refEngine) sEnd(s *refSess, gap int64) int64 {
	m := int64(math.MinInt64)
	for _, i := range s.evs {
		m = max(m, r.evs[i].t)
	}
	return m + gap
}

// advance emits what the move of the watermark from prev closes, and the
// early rows when it crossed an early boundary at event idx.
func (r *refEngine) advance(prev int64, idx int, src [2]int64) []schemas.WindowBar {
	var bars []schemas.WindowBar
	still := r.open[:0]
	for _, w := range r.open {
		if w.key.end <= r.wm {
			bars = append(bars, r.row(w.evs, w.key.attr, w.key.inst, w.kind, w.key.start, w.key.end, w.emits, w.late, false, src))
			w.emits++
		} else {
			still = append(still, w)
		}
	}
	r.open = still
	for _, key := range r.sessKeys() {
		gap := r.spec.Session[key.spec].Gap.Micros()
		for _, s := range r.sess[key] {
			if s.purged {
				continue
			}
			end := r.sEnd(s, gap)
			if !s.closed && end <= r.wm {
				bars = append(bars, r.row(s.evs, key.attr, key.inst, kindSession, r.sStart(s), end, s.emits, s.late, false, src))
				s.emits++
				s.closed = true
			}
			if end+r.L <= r.wm {
				s.purged = true
			}
		}
	}
	if r.E > 0 && prev != math.MinInt64 && floorDiv(r.wm-r.origin, r.E) > floorDiv(prev-r.origin, r.E) {
		bars = append(bars, r.early(src)...)
		r.lastCross = idx
	}
	return bars
}

func (r *refEngine) dirty(evs []int) bool {
	return slices.ContainsFunc(evs, func(i int) bool { return i > r.lastCross })
}

func (r *refEngine) early(src [2]int64) []schemas.WindowBar {
	var bars []schemas.WindowBar
	for _, w := range r.open {
		if r.dirty(w.evs) {
			bars = append(bars, r.row(w.evs, w.key.attr, w.key.inst, w.kind, w.key.start, w.key.end, w.emits, w.late, true, src))
		}
	}
	for _, key := range r.sessKeys() {
		gap := r.spec.Session[key.spec].Gap.Micros()
		for _, s := range r.sess[key] {
			if !s.purged && !s.closed && r.dirty(s.evs) {
				bars = append(bars, r.row(s.evs, key.attr, key.inst, kindSession, r.sStart(s), r.sEnd(s, gap), s.emits, s.late, true, src))
			}
		}
	}
	return bars
}

func (r *refEngine) sessKeys() []refSKey {
	keys := make([]refSKey, 0, len(r.sess))
	for k := range r.sess {
		keys = append(keys, k)
	}
	return keys // order is irrelevant: rows are sorted
}

func (r *refEngine) flush(p int32, o int64) []schemas.WindowBar {
	src := [2]int64{int64(p), o}
	var bars []schemas.WindowBar
	for _, w := range r.open {
		bars = append(bars, r.row(w.evs, w.key.attr, w.key.inst, w.kind, w.key.start, w.key.end, w.emits, w.late, false, src))
	}
	for _, key := range r.sessKeys() {
		gap := r.spec.Session[key.spec].Gap.Micros()
		for _, s := range r.sess[key] {
			if !s.purged && !s.closed {
				bars = append(bars, r.row(s.evs, key.attr, key.inst, kindSession, r.sStart(s), r.sEnd(s, gap), s.emits, s.late, false, src))
			}
		}
	}
	r.open, r.wins, r.sess = nil, map[refKey]*refWin{}, map[refSKey][]*refSess{}
	sortRef(bars)
	return bars
}

// row recomputes a bar from the events of a window.
func (r *refEngine) row(evs []int, a int, inst, kind string, start, end int64, rev, late int, early bool, src [2]int64) schemas.WindowBar {
	b := schemas.WindowBar{InstrumentID: inst, Attribute: r.spec.Attributes[a], WindowKind: kind,
		WindowStart: start, WindowEnd: end, Revision: int32(rev), LateUpdates: int64(late), Early: early,
		SrcPartition: int32(src[0]), SrcOffset: src[1]}
	first, last := -1, -1
	var vol, pv float64
	for _, i := range evs {
		e := &r.evs[i]
		x := e.x[a]
		if first < 0 || e.t < r.evs[first].t || e.t == r.evs[first].t && i < first {
			first = i
		}
		if last < 0 || e.t > r.evs[last].t || e.t == r.evs[last].t && i > last {
			last = i
		}
		if b.Count == 0 {
			b.High, b.Low = x, x
		}
		b.High, b.Low = max(b.High, x), min(b.Low, x)
		b.Count++
		b.Sum += x
		if e.hasVol {
			vol += e.vol
			pv += x * e.vol
		}
	}
	b.Open, b.Close = r.evs[first].x[a], r.evs[last].x[a]
	b.FirstTime, b.LastTime = r.evs[first].t, r.evs[last].t
	b.Mean = b.Sum / float64(b.Count)
	for _, i := range evs {
		d := r.evs[i].x[a] - b.Mean
		b.Variance += d * d
	}
	b.Variance /= float64(b.Count)
	b.Volume = vol
	if vol != 0 { // some event carried a volume
		b.HasVWAP, b.VWAP = true, pv/vol
	}
	return b
}

func sortRef(bars []schemas.WindowBar) {
	slices.SortStableFunc(bars, func(a, b schemas.WindowBar) int {
		return cmp.Or(cmp.Compare(a.WindowEnd, b.WindowEnd), cmp.Compare(a.WindowStart, b.WindowStart),
			strings.Compare(a.InstrumentID, b.InstrumentID), strings.Compare(a.Attribute, b.Attribute),
			strings.Compare(a.WindowKind, b.WindowKind))
	})
}
