package windows

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"pricewatch/conf"
	"pricewatch/schemas"
)

func dur(s string) conf.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return conf.Duration(d)
}

func durs(ss ...string) []conf.Duration {
	var out []conf.Duration
	for _, s := range ss {
		out = append(out, dur(s))
	}
	return out
}

// propCase is one configuration the property tests run.
type propCase struct {
	name string
	spec Spec
	step int64 // max event-time step of the generator, us
}

func propCases() []propCase {
	base := func(mod func(*Spec)) Spec {
		s := DefaultSpec()
		s.Attributes = []string{"price", "bid"}
		s.OutOfOrderness = dur("500ms")
		s.Tumbling = nil
		mod(&s)
		return s
	}
	sec := int64(time.Second / time.Microsecond)
	hour := 3600 * sec
	return []propCase{
		{"tumbling", base(func(s *Spec) { s.Tumbling = durs("1s", "3s") }), sec / 3},
		{"tumbling-lateness", base(func(s *Spec) { s.Tumbling = durs("1s", "3s"); s.AllowedLateness = dur("2s") }), sec / 3},
		{"tumbling-ooo0", base(func(s *Spec) { s.Tumbling = durs("2s"); s.OutOfOrderness = 0; s.AllowedLateness = dur("1s") }), sec / 3},
		{"hopping", base(func(s *Spec) { s.Hopping = []HopSpec{{dur("3s"), dur("1s")}, {dur("4s"), dur("2s")}} }), sec / 3},
		{"hopping-lateness", base(func(s *Spec) {
			s.Hopping = []HopSpec{{dur("3s"), dur("1s")}, {dur("2s"), dur("2s")}}
			s.AllowedLateness = dur("1500ms")
		}), sec / 3},
		{"session", base(func(s *Spec) { s.Session = []SessionSpec{{dur("700ms")}, {dur("2s")}} }), sec / 2},
		{"session-lateness", base(func(s *Spec) {
			s.Session = []SessionSpec{{dur("700ms")}, {dur("2s")}}
			s.AllowedLateness = dur("1s")
		}), sec / 2},
		{"all-early", base(func(s *Spec) {
			s.Tumbling = durs("2s")
			s.Hopping = []HopSpec{{dur("3s"), dur("1s")}}
			s.Session = []SessionSpec{{dur("800ms")}}
			s.EarlyInterval = dur("700ms")
		}), sec / 3},
		{"all-early-lateness", base(func(s *Spec) {
			s.Tumbling = durs("2s")
			s.Hopping = []HopSpec{{dur("3s"), dur("1s")}}
			s.Session = []SessionSpec{{dur("800ms")}}
			s.EarlyInterval = dur("1s")
			s.AllowedLateness = dur("1s")
			s.MaxFuture = dur("5s")
			s.FutureAction = "clamp"
		}), sec / 3},
		{"future-reject", base(func(s *Spec) {
			s.Tumbling = durs("1s")
			s.MaxFuture = dur("3s")
		}), sec / 3},
		{"novolume", base(func(s *Spec) { s.Tumbling = durs("1s"); s.VolumeAttribute = "" }), sec / 3},
		{"seoul-daily", base(func(s *Spec) {
			s.Timezone = "Asia/Seoul"
			s.OutOfOrderness = dur("3h")
			s.AllowedLateness = dur("5h")
			s.Tumbling = durs("24h", "1h")
			s.Hopping = []HopSpec{{dur("48h"), dur("24h")}}
		}), hour},
		{"newyork-dst", base(func(s *Spec) {
			s.Timezone = "America/New_York"
			s.OutOfOrderness = dur("3h")
			s.AllowedLateness = dur("2h")
			s.Tumbling = durs("24h", "30m")
			s.Hopping = []HopSpec{{dur("72h"), dur("24h")}, {dur("2h"), dur("1h")}}
			s.EarlyInterval = dur("5h")
		}), hour},
	}
}

// genEvents makes a stream: a true clock moving forward, event times
// shuffled behind it by up to ~1.5x the out-of-orderness, a few very late
// events, rare jumps ahead and a few out-of-range times.
func genEvents(rng *rand.Rand, n int, spec Spec, step int64) []schemas.Event {
	ooo := max(spec.OutOfOrderness.Micros(), step)
	// Around the 2026 US DST change, so calendar windows of 23h/25h occur.
	clock := time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC).UnixMicro()
	insts := []string{"AAA", "BBB", "CCC", "DDD"}[:1+rng.IntN(4)]
	evs := make([]schemas.Event, 0, n)
	for i := 0; i < n; i++ {
		clock += rng.Int64N(step + 1)
		t := clock - rng.Int64N(ooo*3/2+1)
		switch r := rng.IntN(100); {
		case r < 3:
			t = clock - rng.Int64N(20*ooo+1) // very late
		case r < 4:
			clock += rng.Int64N(10 * ooo) // jump
			t = clock
		case r == 4 && rng.IntN(10) == 0:
			t = math.MaxInt64 - rng.Int64N(10)
		}
		if rng.IntN(25) == 0 { // a heartbeat: the clock only, as a quiet partition gets them
			evs = append(evs, schemas.Event{Op: schemas.OpHeartbeat, EventTime: clock + rng.Int64N(3*ooo+1)})
			continue
		}
		k := rng.IntN(len(insts))
		ev := schemas.Event{InstrumentID: insts[k], EventTime: t, Sym: uint32(k + 1)}
		if rng.IntN(5) == 0 { // a symbol is a hint: a wrong one changes nothing
			ev.Sym = uint32(rng.IntN(6))
		}
		if rng.IntN(10) < 9 {
			ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "price", Value: num(float64(rng.IntN(40) + 80))})
		}
		if rng.IntN(3) == 0 {
			ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "bid", Value: num(float64(rng.IntN(40) + 79))})
		}
		if rng.IntN(2) == 0 {
			ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "volume", Value: num(float64(rng.IntN(5)))})
		}
		if rng.IntN(20) == 0 {
			ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "bid", Value: schemas.Value{Kind: schemas.KindString, Str: "n/a"}})
		}
		evs = append(evs, ev)
	}
	return evs
}

func num(x float64) schemas.Value { return schemas.Value{Kind: schemas.KindNumber, Num: x} }

// laneRun feeds one lane's events to an engine (cut into batches, with
// checkpoints at random batch boundaries) and to the reference, and compares.
func laneRun(t testing.TB, rng *rand.Rand, spec Spec, evs []schemas.Event) {
	t.Helper()
	eng, err := NewEngine(spec)
	if err != nil {
		t.Fatal(err)
	}
	ref := newRef(spec)
	var got, want Output
	var out Output
	for i := 0; i < len(evs); {
		batch := 1 + rng.IntN(8)
		out.Reset()
		for j := i; j < min(i+batch, len(evs)); j++ {
			ev, rev := evs[j], evs[j]
			ok, reason := eng.Admit(&ev)
			rok, rreason := ref.admit(&rev)
			if ok != rok || reason != rreason || ev.EventTime != rev.EventTime {
				t.Fatalf("event %d: Admit = %v %q %d, reference %v %q %d", j, ok, reason, ev.EventTime, rok, rreason, rev.EventTime)
			}
			if !ok {
				continue
			}
			if ev.Op == schemas.OpHeartbeat {
				eng.Heartbeat(&ev, &out)
			} else {
				eng.Process(&ev, &out)
			}
			b, l := ref.process(rev) // the reference takes a heartbeat as an event without attributes
			if ev.Op == schemas.OpHeartbeat && len(l) > 0 {
				t.Fatalf("event %d: the reference made late rows of a heartbeat", j)
			}
			want.Bars = append(want.Bars, b...)
			want.Late = append(want.Late, l...)
			if eng.Watermark() != ref.wm {
				t.Fatalf("event %d: watermark %d, reference %d", j, eng.Watermark(), ref.wm)
			}
		}
		i += batch
		got.Bars = append(got.Bars, out.Bars...)
		got.Late = append(got.Late, out.Late...)
		if rng.IntN(4) == 0 {
			eng = checkpoint(t, eng, spec)
		}
	}
	out.Reset()
	eng.Flush(7, 99, &out)
	got.Bars = append(got.Bars, out.Bars...)
	want.Bars = append(want.Bars, ref.flush(7, 99)...)
	compareOutputs(t, &got, &want)
	if eng.OpenWindows() != 0 {
		t.Fatalf("OpenWindows after Flush = %d", eng.OpenWindows())
	}
}

// checkpoint round-trips eng through MarshalBinary into a fresh engine and
// checks that the restored engine marshals to the same bytes.
func checkpoint(t testing.TB, eng *Engine, spec Spec) *Engine {
	t.Helper()
	b, err := eng.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := NewEngine(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	b2, err := fresh.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(b2) {
		t.Fatal("restored engine marshals differently")
	}
	if fresh.OpenWindows() != eng.OpenWindows() {
		t.Fatalf("restored engine: %d open windows, original %d", fresh.OpenWindows(), eng.OpenWindows())
	}
	return fresh
}

func compareOutputs(t testing.TB, got, want *Output) {
	t.Helper()
	n := max(len(got.Bars), len(want.Bars))
	for i := 0; i < n; i++ {
		if i >= len(got.Bars) || i >= len(want.Bars) {
			t.Fatalf("bar %d: got %d bars, want %d; next want %v got %v", i, len(got.Bars), len(want.Bars), at(want.Bars, i), at(got.Bars, i))
		}
		if !sameBar(&got.Bars[i], &want.Bars[i]) {
			t.Fatalf("bar %d:\n got %+v\nwant %+v", i, got.Bars[i], want.Bars[i])
		}
	}
	n = max(len(got.Late), len(want.Late))
	for i := 0; i < n; i++ {
		if i >= len(got.Late) || i >= len(want.Late) {
			t.Fatalf("late %d: got %d rows, want %d; next want %v got %v", i, len(got.Late), len(want.Late), at(want.Late, i), at(got.Late, i))
		}
		if got.Late[i] != want.Late[i] {
			t.Fatalf("late %d:\n got %+v\nwant %+v", i, got.Late[i], want.Late[i])
		}
	}
}

func at[T any](s []T, i int) any {
	if i < len(s) {
		return s[i]
	}
	return "none"
}

// sameBar compares exactly except the float columns computed by different
// algorithms (streaming/merged versus two-pass), which get a relative
// tolerance.
func sameBar(a, b *schemas.WindowBar) bool {
	x, y := *a, *b
	for _, p := range [][2]*float64{{&x.Sum, &y.Sum}, {&x.Mean, &y.Mean}, {&x.Variance, &y.Variance}, {&x.Volume, &y.Volume}, {&x.VWAP, &y.VWAP}} {
		if !near(*p[0], *p[1]) {
			return false
		}
		*p[0], *p[1] = 0, 0
	}
	return x == y
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*max(1, math.Abs(a), math.Abs(b))
}

// runProperty splits a stream into lanes by instrument and runs each lane.
func runProperty(t testing.TB, seed uint64, c propCase, n int) {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	evs := genEvents(rng, n, c.spec, c.step)
	lanes := 1 + rng.IntN(3)
	perLane := make([][]schemas.Event, lanes)
	for i, ev := range evs {
		l := i % lanes // a heartbeat belongs to one partition, like any record
		if ev.Op != schemas.OpHeartbeat {
			l = int(ev.InstrumentID[0]) % lanes
		}
		ev.Partition, ev.Offset = int32(l), int64(i)
		perLane[l] = append(perLane[l], ev)
	}
	for _, lane := range perLane {
		laneRun(t, rng, c.spec, lane)
	}
}

func TestPropertyAgainstReference(t *testing.T) {
	seeds := 60
	if testing.Short() {
		seeds = 10
	}
	for _, c := range propCases() {
		t.Run(c.name, func(t *testing.T) {
			if err := c.spec.Validate(); err != nil {
				t.Fatal(err)
			}
			for seed := 0; seed < seeds; seed++ {
				t.Run(fmt.Sprint(seed), func(t *testing.T) { runProperty(t, uint64(seed), c, 50+seed*10) })
			}
		})
	}
}

// FuzzEngine decodes bytes into a stream (first byte: config; then 4 bytes
// per event: instrument and flags, time step, value, volume) and compares the
// engine with the reference, checkpointing where a flag bit says so.
func FuzzEngine(f *testing.F) {
	f.Add([]byte{0, 1, 10, 50, 3, 2, 200, 60, 1, 0x41, 30, 70, 2})
	f.Add([]byte{7, 0x80, 5, 1, 1, 0x81, 250, 2, 2, 0x02, 0, 3, 0, 0x43, 9, 4, 0})
	f.Add([]byte{5, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 0xc1, 0x7f, 9, 9})
	f.Fuzz(fuzzBody)
}

func fuzzBody(t *testing.T, data []byte) {
	cases := propCases()
	{
		if len(data) < 1 {
			return
		}
		c := cases[int(data[0])%len(cases)]
		data = data[1:]
		unit := c.step / 16
		clock := time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC).UnixMicro()
		var evs []schemas.Event
		var cuts []bool
		for i := 0; i+4 <= len(data) && len(evs) < 400; i += 4 {
			b0, b1, b2, b3 := data[i], data[i+1], data[i+2], data[i+3]
			clock += int64(int8(b1)) * unit
			ev := schemas.Event{InstrumentID: string(rune('A' + b0&3)), EventTime: clock, Offset: int64(len(evs))}
			if b0&4 == 0 {
				ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "price", Value: num(float64(b2))})
			}
			if b0&8 != 0 {
				ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "bid", Value: num(float64(b2 / 2))})
			}
			if b0&16 != 0 {
				ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "volume", Value: num(float64(b3 % 8))})
			}
			evs = append(evs, ev)
			cuts = append(cuts, b0&0x40 != 0)
		}
		eng, err := NewEngine(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		ref := newRef(c.spec)
		var got, want Output
		for i := range evs {
			ev, rev := evs[i], evs[i]
			ok, _ := eng.Admit(&ev)
			if rok, _ := ref.admit(&rev); ok != rok || ev.EventTime != rev.EventTime {
				t.Fatalf("event %d: Admit differs", i)
			}
			if !ok {
				continue
			}
			eng.Process(&ev, &got)
			b, l := ref.process(rev)
			want.Bars = append(want.Bars, b...)
			want.Late = append(want.Late, l...)
			if cuts[i] {
				eng = checkpoint(t, eng, c.spec)
			}
		}
		eng.Flush(0, int64(len(evs)), &got)
		want.Bars = append(want.Bars, ref.flush(0, int64(len(evs)))...)
		compareOutputs(t, &got, &want)
	}
}
