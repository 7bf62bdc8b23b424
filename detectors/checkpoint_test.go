package detectors

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"pricewatch/schemas"
	"pricewatch/windows"
)

// richStream is a walk with something for every detector: planted jumps,
// a base price, dropped events (seq gaps, and a silence long enough to be
// stale), bad prices, a correction, a delete, a repeated seq and a burst.
func richStream() []schemas.Event {
	w := newWalk(99, 12, 4000, 0.001)
	w.plant(0.08, 900, 2500)
	var out []schemas.Event
	for _, ev := range w.events {
		k, i := ev.Seq-1, ev.Offset%12
		switch {
		case i == 3 && k >= 2000 && k < 2300: // silent for 300 s
			continue
		case i == 5 && k%997 == 0 && k > 0: // a lost message
			continue
		}
		if k == 0 {
			base := ev.Attrs[0].Value
			base.Num *= 1.1
			ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "base_price", Value: base})
		}
		if i == 7 && k == 1234 {
			ev.Attrs[0].Value.Num = -1
		}
		if i == 8 && k == 3100 {
			ev.Attrs[0].Value.Num = math.NaN()
		}
		if i == 9 && k == 1500 {
			ev.Op = schemas.OpCorrect
			ev.Attrs[0].Value.Num *= 1.5
		}
		if i == 10 && k == 3000 {
			ev.Op = schemas.OpDelete
		}
		out = append(out, ev)
		if i == 4 && k >= 3000 && k < 3060 { // a burst: 20 events a second
			for j := range 19 {
				burst := ev
				burst.EventTime += int64(j+1) * 40_000
				burst.HasSeq = false
				out = append(out, burst)
			}
		}
		if i == 11 && k == 1700 {
			out = append(out, ev) // a duplicate
		}
	}
	for i := range out {
		out[i].Offset = int64(i)
	}
	return out
}

const bound = 2_000_000 // out-of-orderness bound of the test lane, µs

// laneBars returns the bars a lane's window engine (the default spec, 1m
// tumbling windows, 2 s out of order) emits while processing each event,
// and at the end.
func laneBars(t testing.TB, events []schemas.Event) (each [][]schemas.WindowBar, last []schemas.WindowBar) {
	win, err := windows.NewEngine(windows.DefaultSpec())
	if err != nil {
		t.Fatal(err)
	}
	var out windows.Output
	for i := range events {
		win.Process(&events[i], &out)
		each = append(each, slices.Clone(out.Bars))
		out.Reset()
	}
	win.Flush(3, int64(len(events)), &out)
	return each, out.Bars
}

// feedLane passes events[from:to] and the bars they closed to s as a lane
// does, without flushing held-back bars; maxT is the highest event time
// before from.
func feedLane(s *Set, events []schemas.Event, bars [][]schemas.WindowBar, from, to int, maxT int64, out []schemas.Anomaly) []schemas.Anomaly {
	for i := from; i < to; i++ {
		maxT = max(maxT, events[i].EventTime)
		out = s.Observe(&events[i], maxT-bound, out)
		for b := range bars[i] {
			out = s.ObserveBar(&bars[i][b], out)
		}
	}
	return out
}

// finish shows s the end-of-input bars and flushes.
func finish(s *Set, last []schemas.WindowBar, out []schemas.Anomaly) []schemas.Anomaly {
	for b := range last {
		out = s.ObserveBar(&last[b], out)
	}
	return s.FlushBars(out)
}

func TestCheckpoint(t *testing.T) {
	events := richStream()
	bars, last := laneBars(t, events)
	c := allOn()
	c.Ensemble.Cooldown = 2
	c.Burst.Cooldown = 1
	ref, _ := NewSet(c)
	full := finish(ref, last, feedLane(ref, events, bars, 0, len(events), math.MinInt64, nil))
	rows := byDetector(full)
	for _, name := range []string{"jump", "zscore", "limit_band", "sequence", "invalid", "ewma", "stale", "cusum", "mad", "burst", "cross_section", "ensemble"} {
		if len(rows[name]) == 0 {
			t.Errorf("no %s rows: the stream should exercise every detector", name)
		}
	}
	// Split at the start, the middle, the end, and right before and after
	// the first finding of each detector.
	splits := []int{0, 1, len(events) / 2, len(events) - 1, len(events)}
	for _, offs := range rows {
		splits = append(splits, int(offs[0]), int(offs[0])+1)
	}
	slices.Sort(splits)
	for _, split := range splits {
		a, _ := NewSet(c)
		got := feedLane(a, events, bars, 0, split, math.MinInt64, nil)
		snap, err := a.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := a.MarshalBinary(); !bytes.Equal(snap, again) {
			t.Fatal("MarshalBinary is not deterministic")
		}
		b, _ := NewSet(c)
		if err := b.UnmarshalBinary(snap); err != nil {
			t.Fatal(err)
		}
		if restored, _ := b.MarshalBinary(); !bytes.Equal(snap, restored) {
			t.Fatalf("split %d: the restored set saves different bytes", split)
		}
		maxT := int64(math.MinInt64)
		for _, ev := range events[:split] {
			maxT = max(maxT, ev.EventTime)
		}
		got = finish(b, last, feedLane(b, events, bars, split, len(events), maxT, got))
		if len(got) != len(full) {
			t.Errorf("split %d: %d rows, uninterrupted %d", split, len(got), len(full))
		}
		checkRows(t, got, full)
		if t.Failed() {
			return
		}
	}
	t.Logf("%d events, rows by detector: %v", len(events), counts(rows))
}

func counts(m map[string][]int64) map[string]int {
	c := map[string]int{}
	for k, v := range m {
		c[k] = len(v)
	}
	return c
}

// TestCheckpointConfigChange restores under a different config: detectors
// added start empty, dropped ones are ignored, attributes match by name,
// and a new zscore window keeps the latest returns.
func TestCheckpointConfigChange(t *testing.T) {
	events := richStream()
	half := len(events) / 2
	a, _ := NewSet(allOn())
	feed(a, events[:half], bound, math.MinInt64, nil)
	snap, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	c.Jump.Attributes = []string{"bid", "price"}
	c.ZScore.Window = 20
	c.ZScore.MinEvents = 10
	c.MAD.Enabled = true
	c.MAD.Window = 11
	c.MAD.MinEvents = 5
	c.LimitBand.Enabled = false
	b, _ := NewSet(c)
	if err := b.UnmarshalBinary(snap); err != nil {
		t.Fatal(err)
	}
	rows := feed(b, events[half:], bound, events[half-1].EventTime, nil)
	fresh, _ := NewSet(c)
	ref := feed(fresh, events, bound, math.MinInt64, nil)
	// Same findings as a fresh run over the whole stream, for the second half.
	var want []schemas.Anomaly
	for _, r := range ref {
		if r.SrcOffset >= int64(half) {
			want = append(want, r)
		}
	}
	got := byDetector(rows)
	for name, offs := range byDetector(want) {
		if name == "sequence" || name == "invalid" {
			continue
		}
		if !slices.Equal(got[name], offs) {
			t.Errorf("%s: rows at %v, fresh run %v", name, got[name], offs)
		}
	}
}

func TestUnmarshalBad(t *testing.T) {
	s, _ := NewSet(DefaultConfig())
	var b builder
	b.prices("AAA", 0, 100, 101)
	feed(s, b.events, 0, math.MinInt64, nil)
	before, _ := s.MarshalBinary()
	for _, bad := range [][]byte{nil, []byte("junk"), before[:len(before)/2]} {
		if err := s.UnmarshalBinary(bad); err == nil {
			t.Errorf("UnmarshalBinary(%q...) = nil; want an error", bad[:min(len(bad), 8)])
		}
	}
	if after, _ := s.MarshalBinary(); !bytes.Equal(before, after) {
		t.Error("a failed restore changed the state")
	}
}

func TestStateBytes(t *testing.T) {
	s, _ := NewSet(allOn())
	if n := s.StateBytes(); n != 0 {
		t.Errorf("empty set holds %d bytes", n)
	}
	feed(s, newWalk(1, 100, 200, 0.001).events, 0, math.MinInt64, nil)
	// 100 instruments with a 100-return zscore ring (800 B) and a 50-return
	// MAD window (2*400 B) each, plus fixed-size state.
	if n := s.StateBytes(); n < 100*1600 || n > 100*4000 {
		t.Errorf("StateBytes = %d; want about 100*2500", n)
	}
}

// FuzzUnmarshal feeds damaged checkpoints to a Set: an error, never a panic,
// and a checkpoint that restores saves back to a checkpoint that restores.
func FuzzUnmarshal(f *testing.F) {
	s, _ := NewSet(allOn())
	var b builder
	b.prices("AAA", 0, 100, 101, 99)
	b.prices("BBB", 0, 50, 51)
	feed(s, b.events, 0, math.MinInt64, nil)
	snap, _ := s.MarshalBinary()
	f.Add(snap)
	f.Fuzz(func(t *testing.T, in []byte) {
		a, _ := NewSet(allOn())
		if a.UnmarshalBinary(in) != nil {
			return
		}
		out, err := a.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		c, _ := NewSet(allOn())
		if err := c.UnmarshalBinary(out); err != nil {
			t.Fatalf("a restored set saves a checkpoint that does not restore: %v", err)
		}
	})
}
