package windows

import (
	"bytes"
	"encoding/gob"
	"testing"

	"pricewatch/schemas"
)

// codecEngine returns an engine of every window kind with open, closed and
// late state, fed from the benchmark stream.
func codecEngine(t testing.TB) (*Engine, Spec) {
	t.Helper()
	spec := DefaultSpec()
	spec.Hopping = []HopSpec{{dur("5m"), dur("1m")}}
	spec.Session = []SessionSpec{{dur("3s")}}
	spec.AllowedLateness = dur("30s")
	spec.EarlyInterval = dur("10s")
	eng, err := NewEngine(spec)
	if err != nil {
		t.Fatal(err)
	}
	ids, evs := benchStream(50)
	var out Output
	var ev schemas.Event
	for i := range evs[:20000] {
		evs[i].fill(&ev, ids, int64(i))
		eng.Process(&ev, &out)
	}
	return eng, spec
}

func TestCheckpointGobStillLoads(t *testing.T) {
	eng, spec := codecEngine(t)
	var old bytes.Buffer
	if err := gob.NewEncoder(&old).Encode(eng.snapshot()); err != nil {
		t.Fatal(err)
	}
	fresh, _ := NewEngine(spec)
	if err := fresh.UnmarshalBinary(old.Bytes()); err != nil {
		t.Fatal(err)
	}
	want, _ := eng.MarshalBinary()
	got, _ := fresh.MarshalBinary()
	if !bytes.Equal(got, want) {
		t.Fatal("engine restored from a gob checkpoint marshals differently")
	}
	if !bytes.HasPrefix(want, []byte(stateMagic)) || fresh.OpenWindows() != eng.OpenWindows() || eng.OpenWindows() == 0 {
		t.Fatalf("open windows %d and %d", fresh.OpenWindows(), eng.OpenWindows())
	}
}

func TestCheckpointDamaged(t *testing.T) {
	eng, spec := codecEngine(t)
	b, _ := eng.MarshalBinary()
	for _, cut := range []int{len(stateMagic), len(b) / 2, len(b) - 1} {
		fresh, _ := NewEngine(spec)
		if err := fresh.UnmarshalBinary(b[:cut]); err == nil {
			t.Fatalf("checkpoint cut at %d of %d bytes accepted", cut, len(b))
		}
	}
	fresh, _ := NewEngine(spec)
	if err := fresh.UnmarshalBinary(append(b, 0)); err == nil {
		t.Fatal("trailing byte accepted")
	}
}

// FuzzUnmarshal: no input panics, and one the decoder accepts marshals to
// bytes that restore to the same bytes.
func FuzzUnmarshal(f *testing.F) {
	eng, spec := codecEngine(f)
	b, _ := eng.MarshalBinary()
	f.Add(b)
	small, _ := NewEngine(spec)
	var out Output
	feed := func(id string, ts int64) {
		ev := schemas.Event{InstrumentID: id, EventTime: ts, Attrs: []schemas.Attr{{Name: "price", Value: num(1)}}}
		small.Process(&ev, &out)
	}
	feed("A", 1_000_000)
	feed("B", 2_000_000)
	b, _ = small.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		e, _ := NewEngine(spec)
		if e.UnmarshalBinary(data) != nil {
			return
		}
		b1, err := e.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		e2, _ := NewEngine(spec)
		if err := e2.UnmarshalBinary(b1); err != nil {
			t.Fatalf("re-marshalled checkpoint refused: %v", err)
		}
		if b2, _ := e2.MarshalBinary(); !bytes.Equal(b1, b2) {
			t.Fatal("checkpoint is not stable")
		}
	})
}

// snapshot returns the engine's state as the struct that earlier versions
// wrote with gob, built as they built it, for TestCheckpointGobStillLoads.
func (e *Engine) snapshot() *snapshot {
	snap := &snapshot{
		Version: snapshotVersion, Config: e.spec.fingerprint(), Seen: e.seen,
		MaxSeen: e.maxSeen, Watermark: e.wm, EarlyNext: e.earlyNext, Stamp: e.stamp,
		Instruments: e.in.Strings(),
	}
	for _, ps := range e.panes {
		snap.PaneSets = append(snap.PaneSets, ps.snapshot())
	}
	for _, st := range e.sess {
		snap.Sessions = append(snap.Sessions, st.snapshot())
	}
	return snap
}

func (ps *paneSet) snapshot() paneSetSnap {
	out := paneSetSnap{CloseC: ps.closeC, PurgeW: ps.purgeW}
	for slot, h := range ps.head {
		for i := h; i >= 0; i = ps.panes[i].next { // oldest first
			p := &ps.panes[i]
			out.Panes = append(out.Panes, paneSnap{int32(slot), p.k, p.agg, p.touch, p.wrev, p.wlate})
		}
	}
	return out
}

func (st *sessSet) snapshot() []sessSnap {
	var out []sessSnap
	for slot, h := range st.head {
		for i := h; i >= 0; i = st.ss[i].next {
			s := &st.ss[i]
			out = append(out, sessSnap{int32(slot), s.agg, s.rev, s.late, s.touch, s.closed})
		}
	}
	return out
}
