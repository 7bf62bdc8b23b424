// Package gen generates deterministic, realistic price-event workloads: many
// instruments with a few very active ones and a long tail, random-walk ticks
// with a U-shaped intraday activity, reference-data changes, and planted
// anomalies of known kinds at known places. The same Spec always gives the
// same bytes.
package gen

import (
	"bufio"
	"container/heap"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"time"
)

// Spec describes a workload. Its zero value is not useful; start from
// DefaultSpec.
type Spec struct {
	Seed        uint64        // default 1
	Instruments int           // default 200
	Events      int           // ticks to generate (reference and planted events come on top); default 200000
	Start       time.Time     // first event time; default 2026-01-15T00:00:00Z (09:00 in Seoul)
	Session     time.Duration // trading session length; default 6h30m
	Jitter      time.Duration // events are written up to this much out of time order; default 500ms
	// PlantEvery plants one anomaly in every PlantEvery instruments (0: none).
	// Default 20.
	PlantEvery int
	// Malformed is the number of malformed lines mixed in. Default 5.
	Malformed int
	// Progress, when set, is written one byte per tick generated.
	Progress io.Writer
}

// DefaultSpec returns the demo workload.
func DefaultSpec() Spec {
	return Spec{Seed: 1, Instruments: 200, Events: 200000,
		Start: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), Session: 6*time.Hour + 30*time.Minute,
		Jitter: 500 * time.Millisecond, PlantEvery: 20, Malformed: 5}
}

// Planted is one anomaly put into the stream on purpose.
type Planted struct {
	Kind         string // the detector expected to find it: jump, limit_band, invalid, sequence
	InstrumentID string
	EventTime    int64 // microseconds since the epoch, UTC
}

// Result says what Write produced.
type Result struct {
	Lines   int
	Planted []Planted
}

type instrument struct {
	id        string
	rate      float64 // events per second at the session's quietest
	sigma     float64 // per-tick log-return sd: a daily volatility of about 1.5%
	price     float64
	base      float64
	tick      float64
	seq       int64
	plant     string // planted kind, "" for none
	plantAt   int64
	planted   bool
	restoreAt bool  // a limit_band spike is followed by a return to the walk
	lastAt    int64 // when its last line is written, to keep its own order
}

// Write writes the workload as JSONL to w.
func Write(w io.Writer, s Spec) (Result, error) {
	g := newGenerator(s)
	return g.run(w)
}

// WriteFile writes the workload of s to a new file at path (Write, buffered).
func WriteFile(path string, s Spec) (Result, error) {
	f, err := os.Create(path)
	if err != nil {
		return Result{}, fmt.Errorf("gen: cannot create %q: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, 4<<20)
	res, err := Write(bw, s)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Result{}, fmt.Errorf("gen: cannot write %q: %w", path, err)
	}
	return res, nil
}

type generator struct {
	s     Spec
	rng   *rand.Rand
	ins   []*instrument
	start int64
	span  int64
	res   Result
	buf   []byte
	pend  pendingHeap // events waiting to be written in jittered order
}

var progressChunk [4096]byte

func newGenerator(s Spec) *generator {
	g := &generator{s: s, rng: rand.New(rand.NewPCG(s.Seed, s.Seed^0x9e3779b97f4a7c15)),
		start: s.Start.UnixMicro(), span: s.Session.Microseconds()}
	kinds := []string{"jump", "limit_band", "invalid", "sequence"}
	total := 0.0
	for i := range s.Instruments {
		total += 1 / math.Pow(float64(i+1), 1.1)
	}
	for i := range s.Instruments {
		price := math.Round(1000 + g.rng.Float64()*199000)
		tick := tickSize(price)
		in := &instrument{
			id:    fmt.Sprintf("%06d", 1000+i*37),
			rate:  float64(s.Events) / s.Session.Seconds() / total / math.Pow(float64(i+1), 1.1) * 0.6,
			price: roundTo(price, tick), base: roundTo(price, tick), tick: tick,
		}
		ticks := in.rate * 5 / 3 * s.Session.Seconds()
		in.sigma = min(0.001, 0.015/math.Sqrt(max(ticks, 1)))
		if s.PlantEvery > 0 && i%s.PlantEvery == s.PlantEvery-1 {
			in.plant = kinds[(i/s.PlantEvery)%len(kinds)]
			in.plantAt = g.start + g.span/4 + g.rng.Int64N(g.span/2)
			in.rate = max(in.rate, 0.02) // busy enough that a tick follows the plant time
		}
		g.ins = append(g.ins, in)
	}
	return g
}

// tickSize is a KRX-like price tick for a price level.
func tickSize(p float64) float64 {
	switch {
	case p < 2000:
		return 1
	case p < 5000:
		return 5
	case p < 20000:
		return 10
	case p < 50000:
		return 50
	default:
		return 100
	}
}

func roundTo(p, tick float64) float64 { return math.Max(tick, math.Round(p/tick)*tick) }

// activity is the U-shaped intraday activity multiplier at a session fraction x.
func activity(x float64) float64 { return 1 + 2*(2*x-1)*(2*x-1) }

func (g *generator) run(w io.Writer) (Result, error) {
	// Reference data first, at the session's start.
	for _, in := range g.ins {
		g.emit(in, g.start-1_000_000, g.reference(in, g.start-1_000_000))
	}
	// Ticks: each instrument a thinned Poisson process, merged by time.
	var q timeHeap
	for i, in := range g.ins {
		heap.Push(&q, item{t: g.start + g.nextGap(in), i: i})
	}
	ticks := 0
	mid := g.start + g.span/2
	midDone := false
	for ticks < g.s.Events && q.Len() > 0 {
		it := heap.Pop(&q).(item)
		if it.t >= g.start+g.span {
			continue
		}
		if !midDone && it.t >= mid {
			g.midSession(mid)
			midDone = true
		}
		in := g.ins[it.i]
		x := float64(it.t-g.start) / float64(g.span)
		if g.rng.Float64()*3 < activity(x) {
			g.tick(in, it.t)
			ticks++
			if g.s.Progress != nil && ticks%4096 == 0 {
				g.s.Progress.Write(progressChunk[:])
			}
		}
		heap.Push(&q, item{t: it.t + g.nextGap(in), i: it.i})
		if err := g.drain(w, it.t); err != nil {
			return g.res, err
		}
	}
	if !midDone {
		g.midSession(mid)
	}
	if err := g.drain(w, math.MaxInt64); err != nil {
		return g.res, err
	}
	return g.res, nil
}

// midSession writes a few reference-data changes (new base prices) and the
// malformed lines, in time order with the ticks around them.
func (g *generator) midSession(mid int64) {
	for i, in := range g.ins {
		if i%25 == 3 {
			in.base = roundTo(in.price, in.tick)
			g.emit(in, mid, g.appendHead(g.buf[:0], in.id, mid, -1, "base_price", in.base))
		}
	}
	for k := range g.s.Malformed {
		g.emit(g.ins[k%len(g.ins)], mid, fmt.Appendf(nil, `{"instrument_id":"%s","event_time":"not a time %d"}`, g.ins[k%len(g.ins)].id, k))
	}
}

func (g *generator) nextGap(in *instrument) int64 {
	gap := -math.Log(1-g.rng.Float64()) / (in.rate * 3)
	return max(1, int64(gap*1e3)) * 1000 // whole milliseconds, as the events are written
}

// tick moves the instrument's random walk and writes one tick, or the
// planted anomaly when its time has come.
func (g *generator) tick(in *instrument, t int64) {
	in.seq++
	if in.restoreAt {
		in.restoreAt = false
	} else {
		in.price = roundTo(in.price*math.Exp(g.rng.NormFloat64()*in.sigma), in.tick)
	}
	price := in.price
	if in.plant != "" && !in.planted && t >= in.plantAt {
		in.planted = true
		switch in.plant {
		case "jump":
			in.price = roundTo(in.price*1.08, in.tick)
			price = in.price
		case "limit_band":
			price = roundTo(in.base*1.35, in.tick)
			in.restoreAt = true
		case "invalid":
			price = 0
		case "sequence":
			in.seq += 3
		}
		g.res.Planted = append(g.res.Planted, Planted{Kind: in.plant, InstrumentID: in.id, EventTime: t})
	}
	vol := 1 + g.rng.IntN(100)*(1+int(3*activity(float64(t-g.start)/float64(g.span))))
	b := g.appendHead(g.buf[:0], in.id, t, in.seq, "price", price)
	b = b[:len(b)-1]
	b = append(b, `,"volume":`...)
	b = strconv.AppendInt(b, int64(vol), 10)
	b = append(b, '}')
	g.emit(in, t, b)
}

func (g *generator) reference(in *instrument, t int64) []byte {
	b := g.appendHead(nil, in.id, t, -1, "base_price", in.base)
	b = b[:len(b)-1]
	b = fmt.Appendf(b, `,"par_value":%d,"issue_price":%d,"shares_issued":%d,"kr_short_name":"종목%s","en_short_name":"INST%s"}`,
		[]int{100, 500, 1000, 5000}[len(in.id)%4], int(in.base/2), 1_000_000+int(in.rate*1e5), in.id, in.id)
	return b
}

// appendHead writes {"instrument_id":…,"event_time":…[,"seq":…],"name":value}.
func (g *generator) appendHead(b []byte, id string, t, seq int64, name string, v float64) []byte {
	b = append(b, `{"instrument_id":"`...)
	b = append(b, id...)
	b = append(b, `","event_time":"`...)
	b = time.UnixMicro(t).UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = append(b, '"')
	if seq >= 0 {
		b = append(b, `,"seq":`...)
		b = strconv.AppendInt(b, seq, 10)
	}
	b = append(b, `,"`...)
	b = append(b, name...)
	b = append(b, `":`...)
	b = strconv.AppendFloat(b, v, 'f', -1, 64)
	return append(b, '}')
}

// emit queues a line to be written at time t plus a random jitter, so that
// the output is slightly out of event-time order across instruments, as a
// merged feed is; one instrument's own events keep their order.
func (g *generator) emit(in *instrument, t int64, line []byte) {
	at := t
	if g.s.Jitter > 0 {
		at += g.rng.Int64N(g.s.Jitter.Microseconds())
	}
	at = max(at, in.lastAt)
	in.lastAt = at
	heap.Push(&g.pend, pending{at: at, n: g.res.Lines, line: append([]byte(nil), line...)})
	g.res.Lines++
}

// drain writes the queued lines due before time t.
func (g *generator) drain(w io.Writer, t int64) error {
	for g.pend.Len() > 0 && g.pend[0].at <= t-g.s.Jitter.Microseconds() || (t == math.MaxInt64 && g.pend.Len() > 0) {
		p := heap.Pop(&g.pend).(pending)
		p.line = append(p.line, '\n')
		if _, err := w.Write(p.line); err != nil {
			return fmt.Errorf("gen: cannot write: %w", err)
		}
	}
	return nil
}

type item struct {
	t int64
	i int
}

type timeHeap []item

func (h timeHeap) Len() int { return len(h) }
func (h timeHeap) Less(a, b int) bool {
	return h[a].t < h[b].t || (h[a].t == h[b].t && h[a].i < h[b].i)
}
func (h timeHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *timeHeap) Push(x any)   { *h = append(*h, x.(item)) }
func (h *timeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type pending struct {
	at   int64
	n    int
	line []byte
}

type pendingHeap []pending

func (h pendingHeap) Len() int { return len(h) }
func (h pendingHeap) Less(a, b int) bool {
	return h[a].at < h[b].at || (h[a].at == h[b].at && h[a].n < h[b].n)
}
func (h pendingHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *pendingHeap) Push(x any)   { *h = append(*h, x.(pending)) }
func (h *pendingHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
