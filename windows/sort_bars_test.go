package windows

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"pricewatch/schemas"
)

// TestSortBars sorts random bars, by radix and by comparison, and checks the
// order against one computed from the names themselves: (end, start,
// instrument id, attribute, kind), ties in the order the bars came.
func TestSortBars(t *testing.T) {
	spec := DefaultSpec()
	spec.Attributes = []string{"price", "bid", "ask"}
	e, err := NewEngine(spec)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{kindTumbling, kindHopping, kindSession}
	rng := rand.New(rand.NewPCG(7, 8))
	for round := range 300 {
		n := rng.IntN(3 * radixMin)
		pairs := 1 + rng.IntN(3)
		if round%10 == 0 {
			pairs = 2<<pairBits + rng.IntN(10) // too many pairs for the radix key
		}
		rows := make([]schemas.WindowBar, n)
		e.keys = e.keys[:0]
		for i := range rows {
			inst := e.intern(fmt.Sprintf("X%04d", rng.IntN(500)))
			a := int32(rng.IntN(len(e.attrs)))
			kind := kinds[rng.IntN(len(kinds))]
			p := int64(rng.IntN(pairs))
			end, start := 60e6*(p/2+10), 60e6*(p/2+10)-60e6*(1+p%2)
			rows[i] = schemas.WindowBar{InstrumentID: e.in.Strings()[inst], Attribute: e.attrs[a], WindowKind: kind,
				WindowStart: start, WindowEnd: end, SrcOffset: int64(i)}
			e.keys = append(e.keys, barKey{end: end, start: start, slot: inst*e.nA + a, kind: kindRank(kind)})
		}
		want := slices.Clone(rows)
		slices.SortStableFunc(want, func(a, b schemas.WindowBar) int {
			return cmp.Or(cmp.Compare(a.WindowEnd, b.WindowEnd), cmp.Compare(a.WindowStart, b.WindowStart),
				cmp.Compare(a.InstrumentID, b.InstrumentID), cmp.Compare(a.Attribute, b.Attribute),
				cmp.Compare(a.WindowKind, b.WindowKind))
		})
		e.sortBars(rows)
		for i := range rows {
			if rows[i] != want[i] {
				t.Fatalf("round %d (%d bars, %d pairs): row %d is offset %d (%s %s %s), want offset %d (%s %s %s)",
					round, n, pairs, i, rows[i].SrcOffset, rows[i].InstrumentID, rows[i].Attribute, rows[i].WindowKind,
					want[i].SrcOffset, want[i].InstrumentID, want[i].Attribute, want[i].WindowKind)
			}
		}
	}
}

// BenchmarkSortBars sorts the bars of one close of 2,500 instruments with
// two window specs, as a lane of the standard job does every minute of
// event time.
func BenchmarkSortBars(b *testing.B) {
	spec := DefaultSpec()
	e, err := NewEngine(spec)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var rows []schemas.WindowBar
	for _, kind := range []string{kindTumbling, kindHopping} {
		start := int64(540e6)
		if kind == kindHopping {
			start = 360e6
		}
		for _, i := range rng.Perm(2500) {
			inst := e.intern(fmt.Sprintf("INST%05d", i))
			rows = append(rows, schemas.WindowBar{InstrumentID: e.in.Strings()[inst], Attribute: "price", WindowKind: kind,
				WindowStart: start, WindowEnd: 600e6})
			e.keys = append(e.keys, barKey{end: 600e6, start: start, slot: inst * e.nA, kind: kindRank(kind)})
		}
	}
	work := make([]schemas.WindowBar, len(rows))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		copy(work, rows)
		e.sortBars(work)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(rows)), "ns/bar")
}
