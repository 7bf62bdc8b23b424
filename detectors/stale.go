package detectors

import (
	"fmt"
	"math"
	"unsafe"

	"pricewatch/conf"
	"pricewatch/schemas"
)

// StaleConfig is the `stale` detector: an instrument has had no upsert for
// longer than factor times its own typical inter-event interval (an
// exponentially weighted mean of the gaps between its upserts' event
// times), measured against the lane watermark. It is flagged once per gap,
// when the watermark passes the deadline (also when the instrument's own
// next upsert is what moves it there, as in a quiet lane or a lane of one
// series); its next upsert re-arms it. A delete forgets the instrument: it
// is watched again after warmup intervals.
//
// A finding's EventTime is the deadline (the event time at which the
// instrument became overdue) and SrcPartition/SrcOffset the event whose
// watermark revealed the gap; Attribute is empty, Observed is the gap to
// the watermark and Expected the typical interval, both in seconds, and
// Threshold is factor.
type StaleConfig struct {
	// Enabled turns the detector on. Default false.
	Enabled bool `yaml:"enabled"`
	// Factor is how many typical intervals make a gap, > 1. Default 20.
	Factor float64 `yaml:"factor"`
	// Alpha is the weight of each new interval, in (0, 1]. Gaps are capped
	// at factor times the typical interval before they are folded in, so
	// one outage does not teach the detector that outages are typical.
	// Default 0.1.
	Alpha float64 `yaml:"alpha"`
	// Warmup is how many intervals an instrument needs before it is
	// watched, >= 1. Default 10.
	Warmup int `yaml:"warmup"`
	// MinGap is the shortest gap ever flagged, >= 0. Default 1s.
	MinGap conf.Duration `yaml:"min_gap"`
}

func (c *StaleConfig) validate(v *validator, key string) {
	v.open(key+".factor", c.Factor, 1, math.Inf(1), "want a number > 1")
	v.open(key+".alpha", c.Alpha, 0, 1, "want a number in (0, 1]")
	v.intRange(key+".warmup", c.Warmup, 1, maxEvents, "want an integer >= 1")
	if c.MinGap < 0 {
		v.fail(key+".min_gap", c.MinGap, "want a duration >= 0")
	}
}

// staleState is the stale state of one instrument. Fields are exported for
// gob.
type staleState struct {
	Last     int64   // latest upsert event time
	Interval float64 // typical interval, µs
	Count    int32   // intervals folded in
	Armed    bool    // watched: Deadline is set and Queued is in the heap
	Seen     bool
	Deadline int64 // Last + the allowed gap, when armed
	Queued   int64 // the deadline of the instrument's heap entry
}

// staleEntry is a heap entry: an instrument and its deadline when queued.
type staleEntry struct {
	Deadline int64
	Ix       int32
}

// stale is the stale detector. Score is 1 - allowed gap/observed gap.
//
// Deadlines sit in a min-heap that is updated lazily: an upsert only moves
// its instrument's deadline, and an entry found out of date when the
// watermark passes it is queued again at the current deadline. So an
// upsert costs O(1), plus O(log n) about once per allowed gap.
type stale struct {
	cfgs []StaleConfig
	ids  []string
	grp  []int32
	st   []staleState
	heap []staleEntry // by (Deadline, Ix)
	buf  []byte
}

func newStale(ps []Params) *stale {
	return &stale{cfgs: each(ps, func(p *Params) StaleConfig { return p.Stale })}
}

func (d *stale) name() string { return "stale" }

func (d *stale) add(id string, g int32) {
	d.ids = append(d.ids, id)
	d.grp = append(d.grp, g)
	d.st = append(d.st, staleState{})
}

func (d *stale) stateBytes() int {
	return cap(d.ids)*16 + cap(d.grp)*4 + cap(d.st)*int(unsafe.Sizeof(staleState{})) + cap(d.heap)*16
}

// staleSnapshot is the checkpoint of the stale detector.
type staleSnapshot struct {
	States []staleState
	Heap   []staleEntry
}

func (d *stale) save(b []byte) ([]byte, error) {
	return appendGob(b, &staleSnapshot{States: d.st, Heap: d.heap})
}

func (d *stale) load(b []byte, ids []string, grp []int32) error {
	snap := staleSnapshot{States: make([]staleState, len(ids))}
	if b != nil {
		snap = staleSnapshot{}
		if err := decodeGob(b, &snap); err != nil {
			return err
		}
	}
	if len(snap.States) != len(ids) {
		return fmt.Errorf("%d states for %d instruments", len(snap.States), len(ids))
	}
	for _, e := range snap.Heap {
		if e.Ix < 0 || int(e.Ix) >= len(ids) {
			return fmt.Errorf("heap entry for instrument %d of %d", e.Ix, len(ids))
		}
	}
	d.ids = append([]string(nil), ids...)
	d.grp = append([]int32(nil), grp...)
	d.st, d.heap = snap.States, snap.Heap
	return nil
}

func (d *stale) observe(ix, g int32, ev *schemas.Event, wm int64, out []schemas.Anomaly) []schemas.Anomaly {
	on := d.cfgs[g].Enabled
	if on && ev.Op == schemas.OpDelete {
		d.st[ix] = staleState{} // its heap entry, if any, is dropped when popped
	}
	// Deadlines passed first, the event's own instrument's too: in a quiet
	// lane, or a lane of one series, its own upsert is what moves the
	// watermark past its deadline.
	for len(d.heap) > 0 && d.heap[0].Deadline < wm {
		e := d.pop()
		st := &d.st[e.Ix]
		switch {
		case !st.Armed || e.Deadline != st.Queued: // left behind by a delete
		case st.Deadline != e.Deadline: // out of date: queue it again
			d.push(e.Ix, st.Deadline)
		default:
			st.Armed = false
			out = append(out, d.row(ev, e.Ix, wm))
		}
	}
	if on && ev.Op == schemas.OpUpsert {
		d.update(ix, &d.cfgs[g], ev.EventTime)
	}
	return out
}

// update folds in an upsert at event time t and arms the instrument.
// Upserts not after the latest one change nothing.
func (d *stale) update(ix int32, c *StaleConfig, t int64) {
	st := &d.st[ix]
	if !st.Seen {
		st.Last, st.Seen = t, true
		return
	}
	if t <= st.Last {
		return
	}
	gap := float64(t - st.Last)
	if st.Count == 0 {
		st.Interval = gap
	} else {
		gap = min(gap, c.Factor*st.Interval)
		st.Interval += c.Alpha * (gap - st.Interval)
	}
	st.Last = t
	if st.Count < math.MaxInt32 {
		st.Count++
	}
	if int(st.Count) < c.Warmup {
		return
	}
	st.Deadline = st.Last + max(int64(c.Factor*st.Interval), c.MinGap.Micros())
	if !st.Armed {
		st.Armed = true
		d.push(ix, st.Deadline)
	}
}

// row builds the finding, e.g. reason "no update for 2m0s since
// 2024-03-01T09:30:00.000000Z; typical interval 1.5s, factor 10".
func (d *stale) row(ev *schemas.Event, ix int32, wm int64) schemas.Anomaly {
	st, c := &d.st[ix], &d.cfgs[d.grp[ix]]
	gap := float64(wm - st.Last)
	b := append(d.buf[:0], "no update for "...)
	b = appendDur(b, gap)
	b = append(b, " since "...)
	b = appendTime(b, st.Last)
	b = append(b, "; typical interval "...)
	b = appendDur(b, st.Interval)
	b = append(b, ", factor "...)
	b = appendFixed(b, c.Factor, 2)
	d.buf = b
	return schemas.Anomaly{
		InstrumentID: d.ids[ix],
		EventTime:    st.Deadline,
		Detector:     d.name(),
		Observed:     gap / 1e6,
		Expected:     st.Interval / 1e6,
		Threshold:    c.Factor,
		Score:        excess(gap, float64(st.Deadline-st.Last)),
		Reason:       string(b),
		SrcPartition: ev.Partition,
		SrcOffset:    ev.Offset,
	}
}

// push queues instrument ix at deadline dl.
func (d *stale) push(ix int32, dl int64) {
	d.st[ix].Queued = dl
	d.heap = append(d.heap, staleEntry{Deadline: dl, Ix: ix})
	for i := len(d.heap) - 1; i > 0; {
		p := (i - 1) / 2
		if !d.less(i, p) {
			break
		}
		d.heap[i], d.heap[p] = d.heap[p], d.heap[i]
		i = p
	}
}

// pop removes and returns the earliest entry.
func (d *stale) pop() staleEntry {
	top, n := d.heap[0], len(d.heap)-1
	d.heap[0] = d.heap[n]
	d.heap = d.heap[:n]
	for i := 0; ; {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && d.less(c+1, c) {
			c++
		}
		if !d.less(c, i) {
			break
		}
		d.heap[i], d.heap[c] = d.heap[c], d.heap[i]
		i = c
	}
	return top
}

func (d *stale) less(i, j int) bool {
	a, b := d.heap[i], d.heap[j]
	return a.Deadline < b.Deadline || a.Deadline == b.Deadline && a.Ix < b.Ix
}
