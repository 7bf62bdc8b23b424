package detectors

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"pricewatch/schemas"
)

// benchStream is a pre-generated lane: 10k instruments, each event for a
// random one, prices a random walk (sd 0.1% a tick), 100 µs apart, with a
// seq and, on an instrument's first event, a base price. rewind continues
// the stream seamlessly (times, seqs and walks go on) so a benchmark can
// loop over it without a jump at the seam.
type benchStream struct {
	events []schemas.Event
	inst   []int32   // instrument of each event
	first  []float64 // price of each instrument's first event
	last   []float64 // and of its last
	count  []int64   // events of each instrument
	rng    *rand.Rand
}

const (
	benchInstruments = 10_000
	benchEvents      = 1 << 18
	benchStep        = 100 // µs between events
	benchBound       = 1_000_000
)

func newBenchStream() *benchStream {
	s := &benchStream{
		rng:   rand.New(rand.NewPCG(1, 2)),
		first: make([]float64, benchInstruments),
		last:  make([]float64, benchInstruments),
		count: make([]int64, benchInstruments),
	}
	ids := make([]string, benchInstruments)
	for i := range ids {
		ids[i] = fmt.Sprintf("I%05d", i)
	}
	for k := range benchEvents {
		i := s.rng.IntN(benchInstruments)
		p := 100 + float64(i%100)
		if s.count[i] > 0 {
			p = s.last[i] * math.Exp(0.001*s.rng.NormFloat64())
		} else {
			s.first[i] = p
		}
		s.count[i]++
		s.last[i] = p
		ev := schemas.Event{
			InstrumentID: ids[i],
			Sym:          uint32(i + 1), // as a lane's decoder numbers ids
			EventTime:    t0 + int64(k)*benchStep,
			Seq:          s.count[i],
			HasSeq:       true,
			Offset:       int64(k),
			Attrs:        []schemas.Attr{{Name: "price", Value: num(p)}},
		}
		if s.count[i] == 1 {
			ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "base_price", Value: num(p)})
		}
		s.events = append(s.events, ev)
		s.inst = append(s.inst, int32(i))
	}
	return s
}

func num(x float64) schemas.Value { return schemas.Value{Kind: schemas.KindNumber, Num: x} }

// rewind shifts the stream to follow on from its end.
func (s *benchStream) rewind() {
	scale := make([]float64, benchInstruments)
	for i := range scale {
		if s.count[i] > 0 {
			scale[i] = s.last[i] * math.Exp(0.001*s.rng.NormFloat64()) / s.first[i]
			s.first[i] *= scale[i]
			s.last[i] *= scale[i]
		}
	}
	for k := range s.events {
		ev, i := &s.events[k], s.inst[k]
		ev.EventTime += benchEvents * benchStep
		ev.Offset += benchEvents
		ev.Seq += s.count[i]
		for a := range ev.Attrs {
			ev.Attrs[a].Value.Num *= scale[i]
		}
	}
}

var stream *benchStream

func bench(b *testing.B, edit func(c *Config)) {
	if stream == nil {
		stream = newBenchStream()
	}
	c := only(edit)
	s, err := NewSet(c)
	if err != nil {
		b.Fatal(err)
	}
	out := make([]schemas.Anomaly, 0, 64)
	events := stream.events
	for k := range events { // every instrument seen and warm
		out = s.Observe(&events[k], events[k].EventTime-benchBound, out[:0])
	}
	stream.rewind()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rows, k := 0, 0
	var cpu time.Duration
	cpu0, ok := threadCPU()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if k == len(events) {
			b.StopTimer()
			c, _ := threadCPU()
			cpu += c - cpu0
			stream.rewind()
			k = 0
			cpu0, _ = threadCPU()
			b.StartTimer()
		}
		ev := &events[k]
		out = s.Observe(ev, ev.EventTime-benchBound, out[:0])
		rows += len(out)
		k++
	}
	b.StopTimer()
	if c, _ := threadCPU(); ok {
		cpu += c - cpu0
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
}

func BenchmarkJump(b *testing.B)        { bench(b, func(c *Config) { c.Jump.Enabled = true }) }
func BenchmarkZScore(b *testing.B)      { bench(b, func(c *Config) { c.ZScore.Enabled = true }) }
func BenchmarkLimitBand(b *testing.B)   { bench(b, func(c *Config) { c.LimitBand.Enabled = true }) }
func BenchmarkSequence(b *testing.B)    { bench(b, func(c *Config) { c.Sequence.Enabled = true }) }
func BenchmarkInvalid(b *testing.B)     { bench(b, func(c *Config) { c.Invalid.Enabled = true }) }
func BenchmarkEWMA(b *testing.B)        { bench(b, func(c *Config) { c.EWMA.Enabled = true }) }
func BenchmarkStale(b *testing.B)       { bench(b, func(c *Config) { c.Stale.Enabled = true }) }
func BenchmarkCUSUM(b *testing.B)       { bench(b, func(c *Config) { c.CUSUM.Enabled = true }) }
func BenchmarkPageHinkley(b *testing.B) { bench(b, func(c *Config) { c.PageHinkley.Enabled = true }) }
func BenchmarkMAD(b *testing.B)         { bench(b, func(c *Config) { c.MAD.Enabled = true }) }

// BenchmarkSetDefaults runs the detectors enabled by default together.
func BenchmarkSetDefaults(b *testing.B) { bench(b, func(c *Config) { *c = DefaultConfig() }) }

// BenchmarkSetAll runs every detector together.
func BenchmarkSetAll(b *testing.B) { bench(b, func(c *Config) { *c = allOn() }) }

// BenchmarkLookup is the baseline: a Set with no detector, so only the
// instrument lookup and reading the events.
func BenchmarkLookup(b *testing.B) { bench(b, func(c *Config) {}) }

// BenchmarkEnsemble runs the default detectors with the ensemble emitting
// rows: the ensemble's own cost is the difference from SetDefaults.
func BenchmarkEnsemble(b *testing.B) {
	bench(b, func(c *Config) { *c = DefaultConfig(); c.Ensemble.Enabled = true })
}

// BenchmarkJumpGroups is jump with three instrument groups (by prefix and
// id), to show that groups cost nothing per event.
func BenchmarkJumpGroups(b *testing.B) {
	bench(b, func(c *Config) {
		c.Jump.Enabled = true
		c.AddGroup("a", []string{"I0"}, nil, func(p *Params) { p.Jump.Threshold = 0.1 })
		c.AddGroup("b", []string{"I1", "I2"}, []string{"I09999"}, func(p *Params) { p.Jump.Cooldown = 5 })
		c.AddGroup("c", nil, []string{"I05000", "I06000"}, func(p *Params) { p.Jump.Enabled = false })
	})
}

// barBench is a pre-generated lane of one-minute bars: 2000 instruments,
// each with a bar in every window (sorted by instrument, as the window
// engine emits them), counts about 20 and closes a random walk. An op is
// one bar (ObserveBar, and FlushBars after a window's last bar).
func barBench(b *testing.B, edit func(c *Config)) {
	const instruments, windowsN = 2000, 64
	rng := rand.New(rand.NewPCG(3, 4))
	ids := make([]string, instruments)
	price := make([]float64, instruments)
	for i := range ids {
		ids[i] = fmt.Sprintf("I%05d", i)
		price[i] = 100
	}
	var bars []schemas.WindowBar
	for w := range windowsN {
		for i := range instruments {
			open := price[i]
			price[i] *= math.Exp(0.002 * rng.NormFloat64())
			n := int64(15 + rng.IntN(10))
			bars = append(bars, schemas.WindowBar{
				InstrumentID: ids[i], Attribute: "price", WindowKind: "tumbling",
				WindowStart: t0 + int64(w)*60e6, WindowEnd: t0 + int64(w+1)*60e6,
				Open: open, Close: price[i], Count: n, Volume: float64(n * 10), HasVWAP: true,
			})
		}
	}
	s, err := NewSet(only(edit))
	if err != nil {
		b.Fatal(err)
	}
	out := make([]schemas.Anomaly, 0, 64)
	for k := range bars { // warm
		out = s.ObserveBar(&bars[k], out[:0])
	}
	out = s.FlushBars(out[:0])
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cpu time.Duration
	cpu0, ok := threadCPU()
	b.ReportAllocs()
	b.ResetTimer()
	k := 0
	for range b.N {
		if k == len(bars) {
			b.StopTimer()
			c, _ := threadCPU()
			cpu += c - cpu0
			for j := range bars {
				bars[j].WindowStart += windowsN * 60e6
				bars[j].WindowEnd += windowsN * 60e6
			}
			k = 0
			cpu0, _ = threadCPU()
			b.StartTimer()
		}
		out = s.ObserveBar(&bars[k], out[:0])
		if k+1 == len(bars) || bars[k+1].WindowEnd != bars[k].WindowEnd {
			out = s.FlushBars(out)
		}
		k++
	}
	b.StopTimer()
	if c, _ := threadCPU(); ok {
		cpu += c - cpu0
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkBurst(b *testing.B) { barBench(b, func(c *Config) { c.Burst.Enabled = true }) }
func BenchmarkCrossSection(b *testing.B) {
	barBench(b, func(c *Config) { c.CrossSection.Enabled = true })
}

// BenchmarkCheckpoint saves the default detectors' state of a lane of 10k
// warm instruments, as an epoch does.
func BenchmarkCheckpoint(b *testing.B) {
	if stream == nil {
		stream = newBenchStream()
	}
	s, err := NewSet(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	var out []schemas.Anomaly
	for k := range stream.events {
		ev := &stream.events[k]
		out = s.Observe(ev, ev.EventTime-benchBound, out[:0])
	}
	b.ReportAllocs()
	var snap []byte
	for b.Loop() {
		if snap, err = s.MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(snap)), "bytes")
}
