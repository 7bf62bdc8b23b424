package windows

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"pricewatch/schemas"
)

const (
	benchInstruments = 10000
	benchEvents      = 1 << 18
	benchStep        = 100 // us between events: each instrument ~1 event/s
)

// benchEvent is one pre-generated event in compact form: a lane decodes
// into one reused schemas.Event, so the benchmarks fill one too instead of
// streaming through a slice of Events and their Attrs.
type benchEvent struct {
	t             int64
	price, volume float64
	k             int32
}

// benchStream pre-generates events in time order with up to 50ms of jitter,
// over the given number of instruments picked at random, each with a price
// and a volume.
func benchStream(instruments int) (ids []string, evs []benchEvent) {
	rng := rand.New(rand.NewPCG(1, 2))
	ids = make([]string, instruments)
	for i := range ids {
		ids[i] = fmt.Sprintf("INST%05d", i)
	}
	price := make([]float64, instruments)
	for i := range price {
		price[i] = 100
	}
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC).UnixMicro()
	evs = make([]benchEvent, benchEvents)
	for i := range evs {
		k := rng.IntN(instruments)
		price[k] += rng.NormFloat64() * 0.05
		evs[i] = benchEvent{t: t0 + int64(i)*benchStep - rng.Int64N(50_000),
			price: price[k], volume: float64(1 + rng.IntN(100)), k: int32(k)}
	}
	return ids, evs
}

// fill makes ev the i-th event, as a lane's decoder would: an interned id
// with its symbol, and the attributes price and volume.
func (be *benchEvent) fill(ev *schemas.Event, ids []string, i int64) {
	ev.InstrumentID, ev.Sym = ids[be.k], uint32(be.k+1)
	ev.EventTime, ev.Offset = be.t, i
	if len(ev.Attrs) != 2 {
		ev.Attrs = []schemas.Attr{{Name: "price"}, {Name: "volume"}}
	}
	ev.Attrs[0].Value, ev.Attrs[1].Value = num(be.price), num(be.volume)
}

func benchProcess(b *testing.B, mod func(*Spec)) { benchProcessN(b, benchInstruments, mod) }

func benchProcessN(b *testing.B, instruments int, mod func(*Spec)) {
	spec := DefaultSpec()
	spec.Tumbling = nil
	mod(&spec)
	eng, err := NewEngine(spec)
	if err != nil {
		b.Fatal(err)
	}
	ids, evs := benchStream(instruments)
	span := int64(len(evs)) * benchStep
	var out Output
	var ev schemas.Event
	cycle := int64(0)
	run := func(i int) {
		j := i % len(evs)
		if j == 0 {
			cycle++
		}
		evs[j].fill(&ev, ids, int64(i))
		ev.EventTime += cycle * span
		eng.Process(&ev, &out)
		out.Reset() // as a lane does: it moves the rows of every event into its batch
	}
	for i := 0; i < 2*len(evs); i++ { // warm up: intern, fill pools
		run(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run(i)
	}
	b.StopTimer()
	if n := eng.OpenWindows(); n > 0 {
		b.ReportMetric(float64(eng.StateBytes())/float64(n), "state-B/window")
		b.ReportMetric(float64(n), "open-windows")
	}
}

func BenchmarkProcessTumbling1m(b *testing.B) {
	benchProcess(b, func(s *Spec) { s.Tumbling = durs("1m") })
}

// BenchmarkProcessTumbling1mHot has 500 instruments, whose state fits in
// the CPU caches: the cost of the code rather than of memory latency.
func BenchmarkProcessTumbling1mHot(b *testing.B) {
	benchProcessN(b, 500, func(s *Spec) { s.Tumbling = durs("1m") })
}

func BenchmarkProcessHopping5m1m(b *testing.B) {
	benchProcess(b, func(s *Spec) { s.Hopping = []HopSpec{{dur("5m"), dur("1m")}} })
}

func BenchmarkProcessSession3s(b *testing.B) {
	benchProcess(b, func(s *Spec) { s.Session = []SessionSpec{{dur("3s")}} })
}

func BenchmarkProcessAllKinds(b *testing.B) {
	benchProcess(b, func(s *Spec) {
		s.Tumbling = durs("1m", "1h")
		s.Hopping = []HopSpec{{dur("5m"), dur("1m")}}
		s.Session = []SessionSpec{{dur("3s")}}
	})
}

// BenchmarkCheckpoint times a checkpoint of 10k instruments with the
// standard job's windows (tumbling 1m, hopping 5m/1m): writing it into a
// reused buffer, as a lane does every epoch, and restoring it.
func BenchmarkCheckpoint(b *testing.B) {
	spec := DefaultSpec()
	spec.Hopping = []HopSpec{{dur("5m"), dur("1m")}}
	eng, _ := NewEngine(spec)
	var out Output
	var ev schemas.Event
	ids, evs := benchStream(benchInstruments)
	for i := range evs {
		evs[i].fill(&ev, ids, int64(i))
		eng.Process(&ev, &out)
		out.Reset()
	}
	data, err := eng.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("marshal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		buf := make([]byte, 0, 2*len(data))
		for i := 0; i < b.N; i++ {
			if buf, err = eng.AppendBinary(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		fresh, _ := NewEngine(spec)
		for i := 0; i < b.N; i++ {
			if err := fresh.UnmarshalBinary(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
