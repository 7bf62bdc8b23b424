package schemas

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// builderBars builds the window_bars record of chunks through the schema's
// array builders, row by row: the way the record was built before
// barsRecord, kept as the reference it must equal.
func builderBars(mem memory.Allocator, chunks [][]WindowBar) arrow.RecordBatch {
	rb := array.NewRecordBuilder(mem, WindowBars.Schema)
	defer rb.Release()
	for _, c := range chunks {
		for i := range c {
			r := &c[i]
			cl := cols{rb: rb}
			cl.str(r.InstrumentID)
			cl.str(r.Attribute)
			cl.str(r.WindowKind)
			cl.ts(r.WindowStart)
			cl.ts(r.WindowEnd)
			cl.f64(r.Open)
			cl.f64(r.High)
			cl.f64(r.Low)
			cl.f64(r.Close)
			cl.i64(r.Count)
			cl.f64(r.Sum)
			cl.f64(r.Mean)
			cl.f64(r.Variance)
			cl.f64(r.Volume)
			if r.HasVWAP {
				cl.f64(r.VWAP)
			} else {
				cl.null()
			}
			cl.ts(r.FirstTime)
			cl.ts(r.LastTime)
			cl.i64(r.LateUpdates)
			cl.i32(r.Revision)
			cl.boo(r.Early)
			cl.i32(r.SrcPartition)
			cl.i64(r.SrcOffset)
		}
	}
	return rb.NewRecordBatch()
}

// variedBars returns n bars with every field varied: strings empty, short,
// long and not ASCII, extreme numbers, and VWAP missing in one row of
// nullEvery (never when nullEvery is 0); a missing VWAP's value is garbage.
func variedBars(rng *rand.Rand, n, nullEvery int) []WindowBar {
	strs := []string{"", "X", "price", "tumbling", "hopping", "종목294817", strings.Repeat("long-", 300)}
	nums := []float64{0, math.Copysign(0, -1), 1.5, -2.25, math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1), math.Inf(-1)}
	f := func() float64 {
		if rng.IntN(4) == 0 {
			return nums[rng.IntN(len(nums))]
		}
		return rng.NormFloat64() * 1e4
	}
	s := func() string { return strs[rng.IntN(len(strs))] }
	rows := make([]WindowBar, n)
	for i := range rows {
		rows[i] = WindowBar{InstrumentID: s(), Attribute: s(), WindowKind: s(),
			WindowStart: rng.Int64() - math.MaxInt64/2, WindowEnd: rng.Int64(), Open: f(), High: f(), Low: f(), Close: f(),
			Count: rng.Int64(), Sum: f(), Mean: f(), Variance: f(), Volume: f(), VWAP: f(), HasVWAP: true,
			FirstTime: math.MinInt64 + rng.Int64N(10), LastTime: math.MaxInt64 - rng.Int64N(10),
			LateUpdates: rng.Int64N(3), Revision: rng.Int32() - math.MaxInt32/2, Early: rng.IntN(2) == 0,
			SrcPartition: rng.Int32N(64), SrcOffset: int64(i)}
		if nullEvery > 0 && rng.IntN(nullEvery) == 0 {
			rows[i].HasVWAP, rows[i].VWAP = false, 12345
		}
	}
	return rows
}

// dirtyAllocator hands out memory filled with garbage, as an allocator that
// does not zero (the Go allocator does) may: the record must not depend on it.
type dirtyAllocator struct{ memory.Allocator }

func (a dirtyAllocator) Allocate(size int) []byte {
	b := a.Allocator.Allocate(size)
	for i := range b {
		b[i] = 0xA5
	}
	return b
}

func (a dirtyAllocator) Reallocate(size int, b []byte) []byte {
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

// TestBarsRecordEqualsBuilders builds the records of varied bars directly
// (Record and EachRecord) and through the array builders: they are equal,
// valid, vwap has a validity bitmap only with nulls, and every buffer is
// released.
func TestBarsRecordEqualsBuilders(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, tc := range []struct {
		name         string
		n, nullEvery int
	}{
		{"none", 0, 0}, {"one", 1, 0}, {"one null", 1, 1}, {"no nulls", 1000, 0}, {"some nulls", 1000, 10},
		{"all null", 100, 1}, {"chunks", 3*barChunk + 17, 0}, {"chunks with nulls", 3*barChunk + 17, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checked := memory.NewCheckedAllocator(dirtyAllocator{memory.NewGoAllocator()})
			defer checked.AssertSize(t, 0)
			ref := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer ref.AssertSize(t, 0)
			var b Batch
			for round := 0; round < 2; round++ { // the second reuses the chunks
				b.Reset()
				b.AppendBars(variedBars(rng, tc.n, tc.nullEvery))
				want := builderBars(ref, b.bars)
				got := b.Record(checked, &WindowBars)
				compareBars(t, got, want)
				got.Release()
				want.Release()
				i := 0
				err := b.EachRecord(checked, &WindowBars, 2*barChunk, func(got arrow.RecordBatch) error {
					want := builderBars(ref, b.bars[i:min(i+2, len(b.bars))])
					defer want.Release()
					compareBars(t, got, want)
					i += 2
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func compareBars(t *testing.T, got, want arrow.RecordBatch) {
	t.Helper()
	if err := array.ValidateRecordFull(got); err != nil {
		t.Fatalf("invalid record: %v", err)
	}
	if !got.Schema().Equal(want.Schema()) {
		t.Fatalf("schema %v, want %v", got.Schema(), want.Schema())
	}
	if !array.RecordEqual(got, want) {
		for i := range got.NumCols() {
			if !array.Equal(got.Column(int(i)), want.Column(int(i))) {
				t.Errorf("column %s differs:\n got %v\nwant %v", got.ColumnName(int(i)), got.Column(int(i)), want.Column(int(i)))
			}
		}
		t.Fatalf("records of %d rows differ", want.NumRows())
	}
	vwap := got.Column(14)
	if (vwap.NullN() == 0) != (vwap.Data().Buffers()[0] == nil) {
		t.Errorf("vwap has %d nulls and validity bitmap %v", vwap.NullN(), vwap.Data().Buffers()[0])
	}
	for i, c := range got.Columns() {
		if i != 14 && c.Data().Buffers()[0] != nil {
			t.Errorf("column %s has a validity bitmap", got.ColumnName(i))
		}
	}
}
