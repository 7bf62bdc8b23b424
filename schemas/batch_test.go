package schemas

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestBatchBarsInChunks appends bars across chunk boundaries, twice over a
// Reset, and checks the count, the order and the Arrow record.
func TestBatchBarsInChunks(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var b Batch
	for round := 0; round < 2; round++ {
		b.Reset()
		n := 0
		for _, size := range []int{1, barChunk - 1, 3, 2 * barChunk, 5} {
			rows := make([]WindowBar, size)
			for i := range rows {
				rows[i] = WindowBar{InstrumentID: "X", Attribute: "price", WindowKind: "tumbling", SrcOffset: int64(n + i)}
			}
			b.AppendBars(rows)
			n += size
		}
		if b.NumBars() != n || b.Len(&WindowBars) != n {
			t.Fatalf("round %d: %d bars, want %d", round, b.NumBars(), n)
		}
		for i, r := range b.Bars() {
			if r.SrcOffset != int64(i) {
				t.Fatalf("round %d: bar %d has offset %d", round, i, r.SrcOffset)
			}
		}
		rec := b.Record(mem, &WindowBars)
		offs := rec.Column(int(rec.NumCols()) - 1).(*array.Int64)
		if int(rec.NumRows()) != n || offs.Value(n-1) != int64(n-1) {
			t.Fatalf("round %d: record has %d rows, last offset %d", round, rec.NumRows(), offs.Value(n-1))
		}
		rec.Release()
	}
	if len(b.free)+len(b.bars) > 4 {
		t.Errorf("%d chunks in use or free after two rounds of 4 chunks' rows: Reset does not reuse them", len(b.free)+len(b.bars))
	}
}

// TestBatchEachRecord checks that records of bars come in whole chunks and
// together hold every bar once, in order.
func TestBatchEachRecord(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var b Batch
	n := 3*barChunk + 17
	rows := make([]WindowBar, n)
	for i := range rows {
		rows[i] = WindowBar{InstrumentID: "X", Attribute: "price", WindowKind: "tumbling", SrcOffset: int64(i)}
	}
	b.AppendBars(rows)
	var sizes []int64
	next := int64(0)
	err := b.EachRecord(mem, &WindowBars, 2*barChunk, func(rec arrow.RecordBatch) error {
		sizes = append(sizes, rec.NumRows())
		offs := rec.Column(int(rec.NumCols()) - 1).(*array.Int64)
		for i := 0; i < offs.Len(); i++ {
			if offs.Value(i) != next {
				t.Fatalf("offset %d where %d was due", offs.Value(i), next)
			}
			next++
		}
		return nil
	})
	if err != nil || next != int64(n) || len(sizes) != 2 || sizes[0] != 2*barChunk {
		t.Fatalf("records of %v rows (%d in all, err %v); want %d then %d", sizes, next, err, 2*barChunk, barChunk+17)
	}
}
