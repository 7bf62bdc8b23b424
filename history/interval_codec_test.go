package history

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"pricewatch/schemas"
)

// stateFixture is an Interval with every kind of value, a delete and a
// correction.
func stateFixture(t testing.TB) *Interval {
	h := NewInterval(DefaultSpec())
	evs := []schemas.Event{
		{InstrumentID: "005930", EventTime: 10, Offset: 1, Attrs: []schemas.Attr{
			{Name: "base_price", Value: schemas.Value{Kind: schemas.KindNumber, Num: 71000}},
			{Name: "kr_short_name", Value: schemas.Value{Kind: schemas.KindString, Str: "삼성전자"}}}},
		{InstrumentID: "005930", EventTime: 20, Offset: 2, Attrs: []schemas.Attr{
			{Name: "base_price", Value: schemas.Value{Kind: schemas.KindNumber, Num: 71500}},
			{Name: "kr_short_name", Value: schemas.Value{Kind: schemas.KindNull}}}},
		{InstrumentID: "005930", EventTime: 15, Offset: 3, Op: schemas.OpCorrect, Attrs: []schemas.Attr{
			{Name: "base_price", Value: schemas.Value{Kind: schemas.KindNumber, Num: 70900}}}},
		{InstrumentID: "000660", EventTime: 5, Offset: 4, Partition: 3, Attrs: []schemas.Attr{
			{Name: "par_value", Value: schemas.Value{Kind: schemas.KindNumber, Num: 5000}}}},
		{InstrumentID: "000660", EventTime: 30, Offset: 5, Partition: 3, Op: schemas.OpDelete},
	}
	for i := range evs {
		h.Process(&evs[i], nil)
	}
	return h
}

// TestIntervalCheckpointRoundTrip restores a checkpoint and checks that it
// encodes to the same bytes, and that damaged checkpoints are refused.
func TestIntervalCheckpointRoundTrip(t *testing.T) {
	b, err := stateFixture(t).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	h := NewInterval(DefaultSpec())
	if err := h.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if h.Instruments() != 2 {
		t.Fatalf("%d instruments after restore, want 2", h.Instruments())
	}
	b2, _ := h.MarshalBinary()
	if !bytes.Equal(b, b2) {
		t.Error("a restored state encodes to other bytes")
	}
	for _, cut := range []int{0, 3, 4, 10, len(b) / 2, len(b) - 1} {
		if err := NewInterval(DefaultSpec()).UnmarshalBinary(b[:cut]); err == nil {
			t.Errorf("a checkpoint cut to %d of %d bytes was accepted", cut, len(b))
		}
	}
	if err := NewInterval(DefaultSpec()).UnmarshalBinary(append(b[:len(b):len(b)], 0)); err == nil {
		t.Error("a checkpoint with a trailing byte was accepted")
	}
}

// FuzzIntervalCheckpoint feeds arbitrary bytes to UnmarshalBinary: it must
// not panic, and what it accepts must encode and decode to the same bytes.
func FuzzIntervalCheckpoint(f *testing.F) {
	b, _ := stateFixture(f).MarshalBinary()
	f.Add(b)
	f.Add([]byte(stateMagic + "\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h := NewInterval(DefaultSpec())
		if h.UnmarshalBinary(data) != nil {
			return
		}
		b1, err := h.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		h2 := NewInterval(DefaultSpec())
		if err := h2.UnmarshalBinary(b1); err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
		if b2, _ := h2.MarshalBinary(); !bytes.Equal(b1, b2) {
			t.Fatal("encoding is not stable")
		}
	})
}

// BenchmarkIntervalCheckpoint encodes the state of 2,500 instruments (a
// lane's share of 10,000) with 8 reference attributes of 3 changes each.
func BenchmarkIntervalCheckpoint(b *testing.B) {
	h := NewInterval(DefaultSpec())
	names := []string{"base_price", "par_value", "issue_price", "shares_issued", "kr_short_name", "en_short_name", "sector", "market"}
	ev := schemas.Event{Attrs: make([]schemas.Attr, len(names))}
	for i := range 2500 {
		for c := range 3 {
			ev.InstrumentID, ev.EventTime, ev.Offset = "I"+string(rune('A'+i%26))+string(rune('a'+i/26%26))+string(rune('0'+i/676)), int64(c*1000), int64(i*3+c)
			for k, n := range names {
				ev.Attrs[k] = schemas.Attr{Name: n, Value: schemas.Value{Kind: schemas.KindNumber, Num: float64(i + c + k)}}
			}
			h.Process(&ev, nil)
		}
	}
	// Between two checkpoints of a lane, some instruments' reference data
	// changed: their parts are encoded again, the others' reused.
	for _, every := range []int{0, 10, 1} {
		name := "unchanged"
		if every > 0 {
			name = fmt.Sprintf("changed-1-in-%d", every)
		}
		b.Run(name, func(b *testing.B) {
			buf, err := h.AppendBinary(nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for i := 0; i < b.N; i++ {
				for k := 0; every > 0 && k < len(h.sorted); k += every {
					h.sorted[k].fresh = false
				}
				if buf, err = h.AppendBinary(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestIntervalCheckpointReusesOnlyUnchanged checkpoints after every event of
// a stream with repeated, changed, new and deleted values: the checkpoint,
// which reuses the parts of unchanged instruments, must equal one encoded
// from scratch.
func TestIntervalCheckpointReusesOnlyUnchanged(t *testing.T) {
	h := NewInterval(DefaultSpec())
	num := func(v float64) schemas.Value { return schemas.Value{Kind: schemas.KindNumber, Num: v} }
	var buf []byte
	for i := range 400 {
		ev := schemas.Event{InstrumentID: fmt.Sprintf("I%d", i*7%13), EventTime: int64(i % 50), Offset: int64(i)}
		switch i % 5 {
		case 0, 1: // mostly the value it already has
			ev.Attrs = []schemas.Attr{{Name: "base_price", Value: num(float64(i % 3))}}
		case 2:
			ev.Attrs = []schemas.Attr{{Name: "par_value", Value: num(100)}, {Name: "sector", Value: schemas.Value{Kind: schemas.KindString, Str: "x"}}}
		case 3:
			ev.Attrs = []schemas.Attr{{Name: "price", Value: num(float64(i))}} // not tracked
		case 4:
			if i%3 == 0 {
				ev.Op = schemas.OpDelete
			} else {
				ev.Attrs = []schemas.Attr{{Name: "base_price", Value: num(float64(i))}}
			}
		}
		h.Process(&ev, nil)
		var err error
		if buf, err = h.AppendBinary(buf[:0]); err != nil {
			t.Fatal(err)
		}
		scratch := binary.AppendUvarint([]byte(stateMagic), uint64(len(h.sorted)))
		for _, in := range h.sorted { // sorted by the checkpoint above
			scratch, _ = in.appendBinary(scratch, nil)
		}
		if !bytes.Equal(buf, scratch) {
			t.Fatalf("after event %d the checkpoint differs from one encoded from scratch", i)
		}
	}
	if h.Instruments() != 13 {
		t.Fatalf("%d instruments, want 13", h.Instruments())
	}
}
