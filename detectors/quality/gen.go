package main

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"pricewatch/schemas"
)

// Kinds of planted anomalies, in table order.
const (
	kindJump   = "jump"        // one tick moves the price 6-15% for good
	kindBand   = "band_break"  // one tick prints outside ±30% of the base price, then the walk resumes
	kindShift  = "level_shift" // one tick moves the price 1.5-4% for good
	kindDrift  = "drift"       // 3-6% of extra trend spread evenly over 10-20 minutes
	kindBurst  = "burst"       // 10-30 times the event rate for 2-4 minutes
	kindStale  = "stale_gap"   // no event for 30-60 typical intervals (at least 2 minutes)
	kindSeqGap = "seq_gap"     // 1-5 sequence numbers skipped
)

var kinds = []string{kindJump, kindBand, kindShift, kindDrift, kindBurst, kindStale, kindSeqGap}

// streamSpec is one generated lane.
type streamSpec struct {
	Seed        uint64
	Instruments int
	Seconds     int  // session length
	Plant       bool // false: a clean control stream
}

// planted is one anomaly put into a stream. A finding counts for it when
// it is for the same instrument and the event that revealed it (the row's
// source event) has an event time in [Start, End].
type planted struct {
	Kind       string
	Instrument string
	Start, End int64 // µs
}

// stream is a generated lane: events in offset order (which is event-time
// order) and what was planted.
type stream struct {
	Spec    streamSpec
	Events  []schemas.Event
	Planted []planted
}

const (
	t0        = int64(1_767_225_600_000_000) // 2026-01-01T00:00:00Z, µs
	tolerance = int64(150_000_000)           // a finding may come up to 150 s after the anomaly (window close + out-of-orderness)
)

// instrument is one simulated instrument.
type instrument struct {
	id       string
	rate     float64 // events per second at the quietest time of day
	sigma    float64 // sd of the idiosyncratic log return per event
	beta     float64 // exposure to the market factor
	logBase  float64 // log of the base (reference) price
	idio     float64 // idiosyncratic log price
	tick     func(p float64) float64
	volMu    float64 // mean log volume per event
	seq      int64
	kind     string // planted kind, "" for none
	at       int64  // when it starts, µs
	plantEnd int64
	size     float64 // jump, shift or drift size (signed log), band offset, burst factor, gap factor, seq skip
	started  bool
	done     bool
}

// krxTick is a KRX-like tick size for a price level.
func krxTick(p float64) float64 {
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

func roundTick(p float64) float64 {
	t := krxTick(p)
	return max(t, math.Round(p/t)*t)
}

// activity is the intraday activity multiplier at a session fraction x: a
// mild U, twice as busy at the open and the close as at midday.
func activity(x float64) float64 { return 1 + (2*x-1)*(2*x-1) }

// generate builds a stream. Prices are a market factor plus an idiosyncratic
// random walk per event, on KRX ticks; event arrivals are Poisson with an
// intraday U shape; every event carries seq, price and volume, and the
// first one of each instrument the base price. In a planted stream, six in
// every seven instruments get one anomaly, kinds in turn, at a random time
// between 30% and 75% of the session.
func generate(s streamSpec) *stream {
	rng := rand.New(rand.NewPCG(s.Seed, s.Seed*0x9e3779b97f4a7c15+1))
	span := int64(s.Seconds) * 1_000_000
	// The market factor: a Brownian motion on a 1 s grid, 1.5% over a
	// session of 2 hours.
	market := make([]float64, s.Seconds+1)
	msd := 0.015 / math.Sqrt(7200)
	for i := 1; i < len(market); i++ {
		market[i] = market[i-1] + msd*rng.NormFloat64()
	}
	ins := make([]*instrument, s.Instruments)
	for i := range ins {
		rate := math.Exp(math.Log(0.05) + rng.Float64()*math.Log(2/0.05)) // 0.05 to 2 a second
		events := rate * 1.33 * float64(s.Seconds)
		sessionVol := 0.01 + rng.Float64()*0.03 // 1-4% idiosyncratic over the session
		base := roundTick(math.Exp(math.Log(1500) + rng.Float64()*math.Log(150000.0/1500)))
		ins[i] = &instrument{
			id:      fmt.Sprintf("%06d", 100000+i*7919%900000),
			rate:    rate,
			sigma:   sessionVol / math.Sqrt(events),
			beta:    0.5 + rng.Float64(),
			logBase: math.Log(base),
			volMu:   math.Log(10) + 3*rng.Float64(),
		}
	}
	st := &stream{Spec: s}
	if s.Plant {
		k := int(rng.IntN(len(kinds)))
		for i, in := range ins {
			if i%7 == 6 {
				continue
			}
			in.kind = kinds[k%len(kinds)]
			k++
			in.at = t0 + span*30/100 + rng.Int64N(span*45/100)
			switch in.kind {
			case kindJump:
				in.size = math.Log1p(0.06 + 0.09*rng.Float64())
			case kindShift:
				in.size = math.Log1p(0.015 + 0.025*rng.Float64())
			case kindDrift:
				in.size = math.Log1p(0.03 + 0.03*rng.Float64())
				in.plantEnd = in.at + (600+rng.Int64N(601))*1_000_000
			case kindBand:
				in.size = 0.32 + 0.08*rng.Float64()
			case kindBurst:
				in.size = 10 + 20*rng.Float64()
				in.plantEnd = in.at + (120+rng.Int64N(121))*1_000_000
			case kindStale:
				in.size = 30 + 30*rng.Float64()
				gap := max(int64(in.size/in.rate*1e6), 120_000_000)
				in.plantEnd = in.at + gap
			case kindSeqGap:
				in.size = float64(1 + rng.IntN(5))
			}
			if in.kind != kindBurst && in.kind != kindStale && rng.IntN(2) == 0 {
				in.size = -in.size // down as often as up
			}
		}
	}
	// Arrival times: a thinned Poisson process per instrument.
	type arrival struct {
		t  int64
		ix int
	}
	var arr []arrival
	for ix, in := range ins {
		peak := in.rate * 2
		if in.kind == kindBurst {
			peak *= in.size
		}
		t := t0
		for {
			t += max(1000, int64(-math.Log(1-rng.Float64())/peak*1e6)/1000*1000)
			if t >= t0+span {
				break
			}
			r := in.rate * activity(float64(t-t0)/float64(span))
			if in.kind == kindBurst && t >= in.at && t < in.plantEnd {
				r *= in.size
			}
			if in.kind == kindStale && t >= in.at && t < in.plantEnd {
				continue
			}
			if rng.Float64()*peak < r {
				arr = append(arr, arrival{t, ix})
			}
		}
	}
	slices.SortFunc(arr, func(a, b arrival) int { return cmp.Or(cmp.Compare(a.t, b.t), cmp.Compare(a.ix, b.ix)) })
	// Ticks.
	st.Events = make([]schemas.Event, 0, len(arr))
	extra := make([]float64, len(ins)) // planted log moves so far
	for _, a := range arr {
		in := ins[a.ix]
		in.seq++
		in.idio += in.sigma * rng.NormFloat64()
		sec := (a.t - t0) / 1_000_000
		logp := in.logBase + in.beta*market[sec] + in.idio
		spike := 0.0
		if in.kind != "" && a.t >= in.at && !in.done {
			switch in.kind {
			case kindJump, kindShift:
				extra[a.ix] += in.size
				in.done = true
				st.plant(in, a.t, a.t+tolerance)
			case kindDrift:
				if !in.started {
					in.started = true
					st.plant(in, in.at, in.plantEnd+tolerance)
				}
				extra[a.ix] = in.size * min(1, float64(a.t-in.at)/float64(in.plantEnd-in.at))
				in.done = a.t >= in.plantEnd
			case kindBand:
				// One print outside the band around the base price; the
				// walk resumes on the next tick.
				spike = math.Log1p(in.size) - (logp + extra[a.ix] - in.logBase)
				in.done = true
				st.plant(in, a.t, a.t+tolerance)
			case kindBurst:
				in.done = true
				st.plant(in, in.at, in.plantEnd+tolerance)
			case kindStale:
				in.done = true
				st.plant(in, in.at, a.t+tolerance)
			case kindSeqGap:
				in.seq += int64(in.size)
				in.done = true
				st.plant(in, a.t, a.t+tolerance)
			}
		}
		price := roundTick(math.Exp(logp + extra[a.ix] + spike))
		vol := math.Max(1, math.Round(math.Exp(in.volMu+rng.NormFloat64())))
		ev := schemas.Event{
			InstrumentID: in.id,
			EventTime:    a.t,
			Seq:          in.seq,
			HasSeq:       true,
			Offset:       int64(len(st.Events)),
			Attrs:        []schemas.Attr{{Name: "price", Value: num(price)}, {Name: "volume", Value: num(vol)}},
		}
		if in.seq == 1 {
			ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "base_price", Value: num(math.Exp(in.logBase))})
		}
		st.Events = append(st.Events, ev)
	}
	return st
}

func (s *stream) plant(in *instrument, start, end int64) {
	s.Planted = append(s.Planted, planted{Kind: in.kind, Instrument: in.id, Start: start, End: end})
}

func num(x float64) schemas.Value { return schemas.Value{Kind: schemas.KindNumber, Num: x} }
