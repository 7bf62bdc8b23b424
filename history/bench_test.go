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
	ids := make([]string, instruments)
	for i := range ids {
		ids[i] = fmt.Sprintf("%06d", i)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC).UnixMicro()
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
