package history

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"pricewatch/schemas"
)

// BenchmarkIntervalTicks measures attr_history on the tick path: events that
// carry only untracked attributes (price, volume), as most events do.
func BenchmarkIntervalTicks(b *testing.B) {
	benchInterval(b, 0)
}

// BenchmarkIntervalChanges measures building attr_history rows: every event
// changes a tracked reference attribute of one of 10,000 instruments.
func BenchmarkIntervalChanges(b *testing.B) {
	benchInterval(b, 1)
}

func benchInterval(b *testing.B, changeEvery int) {
	h := NewInterval(DefaultSpec())
	const instruments = 10000
	ids, rng, t0 := benchSetup(instruments)
	ev := schemas.Event{Attrs: make([]schemas.Attr, 2)}
	var out []schemas.HistoryRow
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := rng.IntN(instruments)
		ev.InstrumentID, ev.Sym, ev.EventTime, ev.Offset = ids[k], uint32(k+1), t0+int64(i)*1000, int64(i)
		if changeEvery > 0 {
			ev.Attrs[0] = schemas.Attr{Name: "base_price", Value: schemas.Value{Kind: schemas.KindNumber, Num: float64(1000 + i%97)}}
			ev.Attrs[1] = schemas.Attr{Name: "par_value", Value: schemas.Value{Kind: schemas.KindNumber, Num: 100}}
		} else {
			ev.Attrs[0] = schemas.Attr{Name: "price", Value: schemas.Value{Kind: schemas.KindNumber, Num: float64(1000 + i%97)}}
			ev.Attrs[1] = schemas.Attr{Name: "volume", Value: schemas.Value{Kind: schemas.KindNumber, Num: 10}}
		}
		out = h.Process(&ev, out[:0])
	}
}

// BenchmarkLayouts measures building the rows of each history layout of
// the article series (history.tables, methods 1 to 10, each on its own): every
// event changes a tracked price attribute of one of 10,000 instruments, and
// one in ten also renames it. Rows are dropped every 10,000 events, as an
// epoch's commit takes them.
func BenchmarkLayouts(b *testing.B) {
	units := map[int]TableSpec{
		3: {Attributes: []string{"base_price", "par_value"}},
		4: {Group: "price"}, 5: {Group: "price"}, 8: {Group: "price"}, 9: {Group: "price"}, 10: {Group: "price"},
	}
	for m := 1; m <= 10; m++ {
		b.Run(fmt.Sprintf("method-%02d", m), func(b *testing.B) {
			t := units[m]
			t.Method = m
			spec := DefaultSpec()
			spec.Layouts = []TableSpec{t}
			h, err := NewLayouts(spec)
			if err != nil {
				b.Fatal(err)
			}
			benchLayouts(b, h)
		})
	}
}

func benchLayouts(b *testing.B, h *Layouts) {
	const instruments = 10000
	ids, rng, t0 := benchSetup(instruments)
	ev := schemas.Event{Attrs: make([]schemas.Attr, 0, 2)}
	rows := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := rng.IntN(instruments)
		ev.InstrumentID, ev.Sym, ev.EventTime, ev.Offset = ids[k], uint32(k+1), t0+int64(i)*1000, int64(i)
		ev.Attrs = append(ev.Attrs[:0], schemas.Attr{Name: "base_price", Value: schemas.Value{Kind: schemas.KindNumber, Num: float64(1000 + i%97)}})
		if i%10 == 0 {
			ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "en_short_name", Value: schemas.Value{Kind: schemas.KindString, Str: ids[(k+i)%instruments]}})
		}
		h.Advance(ev.EventTime, 0, ev.Offset)
		h.Process(&ev)
		if i%10000 == 9999 {
			rows += h.Take().Total()
		}
	}
	b.StopTimer()
	rows += h.Take().Total()
	if rows == 0 {
		b.Fatal("no history rows")
	}
	b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
}

// benchSetup returns the ids of n instruments, a seeded source and the
// first event time of a history benchmark.
func benchSetup(n int) ([]string, *rand.Rand, int64) {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%06d", i)
	}
	return ids, rand.New(rand.NewPCG(1, 2)), time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC).UnixMicro()
}
