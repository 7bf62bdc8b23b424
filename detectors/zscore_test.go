package detectors

import (
	"math"
	"testing"

	"pricewatch/schemas"
)

func TestZScore(t *testing.T) {
	c := only(func(c *Config) {
		c.ZScore.Enabled = true
		c.ZScore.Window = 5
		c.ZScore.MinEvents = 3
		c.ZScore.Threshold = 4
		c.ZScore.Cooldown = 1
		c.ZScore.MinStddevMove = 0 // the sd alone (see TestMoveFloor)
	})
	var b builder
	// Returns ±1%: after 3 of them (the warm-up) -1% is ordinary, +10% is
	// not; the -9.1% right after it falls in the cooldown, and the +10%
	// after that is ordinary against a window holding the first shock.
	b.prices("ZZZ", 0, 100, 101, 100, 101, 100, 110, 100, 110)
	// A flat series: the sd floor (0.01%) makes +0.02% ordinary and +1% not.
	b.prices("FLAT", 0, 50, 50, 50, 50, 50, 50, 50.01)
	b.add("FLAT", 7, "price", 49).Op = schemas.OpCorrect // corrects 50.01: no return
	b.add("FLAT", 8, "price", 49.5)
	got := run(t, c, b.events, 0)
	want := []schemas.Anomaly{
		{InstrumentID: "ZZZ", EventTime: t0 + 5000000, Detector: "zscore", Attribute: "price", Observed: 110, Expected: 100, Threshold: 4, Score: 0.5177995711772436, Reason: "price 110 is +10% from previous 100: z-score +8.3 against the last 4 returns (mean 0%, sd 1.1%); threshold 4", SrcPartition: 3, SrcOffset: 5},
		{InstrumentID: "FLAT", EventTime: t0 + 8000000, Detector: "zscore", Attribute: "price", Observed: 49.5, Expected: 49, Threshold: 4, Score: 0.9604445066894142, Reason: "price 49.5 is +1% from previous 49: z-score +101.1 against the last 5 returns (mean +0.004%, sd 0.01%); threshold 4", SrcPartition: 3, SrcOffset: 16},
	}
	checkRows(t, got, want)
}

// TestZScoreReference checks the rolling window against a plain
// recomputation over the previous window returns at every tick of a long
// walk (many exact recomputes and ring wraps), with shocks planted.
func TestZScoreReference(t *testing.T) {
	c := only(func(c *Config) {
		c.ZScore.Enabled = true
		c.ZScore.Window = 37
		c.ZScore.MinEvents = 10
		c.ZScore.Threshold = 3
	})
	w := newWalk(1, 3, 5000, 0.001)
	w.plant(0.03, 500, 2000, 4321)
	got := run(t, c, w.events, 0)
	var want []int64 // offsets flagged by the reference
	var rets = map[string][]float64{}
	prev := map[string]float64{}
	for _, ev := range w.events {
		x, _ := ev.Num("price")
		if p, ok := prev[ev.InstrumentID]; ok {
			r := math.Log(x / p)
			past := rets[ev.InstrumentID]
			if n := len(past); n >= c.ZScore.MinEvents {
				mean, m2 := 0.0, 0.0
				for _, v := range past {
					mean += v
				}
				mean /= float64(n)
				for _, v := range past {
					m2 += (v - mean) * (v - mean)
				}
				sd := max(math.Sqrt(m2/float64(n-1)), c.ZScore.MinStddev)
				if math.Abs((r-mean)/sd) > c.ZScore.Threshold {
					want = append(want, ev.Offset)
				}
			}
			past = append(past, r)
			if len(past) > c.ZScore.Window {
				past = past[1:]
			}
			rets[ev.InstrumentID] = past
		}
		prev[ev.InstrumentID] = x
	}
	if len(want) < 20 {
		t.Fatalf("reference flagged only %d ticks; the test needs more", len(want))
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, reference %d", len(got), len(want))
	}
	for i := range got {
		if got[i].SrcOffset != want[i] {
			t.Fatalf("row %d at offset %d, reference %d", i, got[i].SrcOffset, want[i])
		}
	}
}
