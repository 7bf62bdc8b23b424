package detectors

import (
	"math"
	"testing"

	"pricewatch/schemas"
)

func TestCUSUM(t *testing.T) {
	c := only(func(c *Config) {
		c.CUSUM.Enabled = true
		c.CUSUM.Warmup = 10
		c.CUSUM.Threshold = 4
		c.CUSUM.MinStddevMove = 0 // the sd alone (see TestMoveFloor)
	})
	// Returns ±1%, then a steady climb of +1% a tick: no single return
	// stands out (z about 1), but their sum does.
	var b builder
	b.prices("C", 0, drift(100, 0.01)...)
	got := run(t, c, b.events, 0)
	want := []schemas.Anomaly{
		{InstrumentID: "C", EventTime: t0 + 50000000, Detector: "cusum", Attribute: "price", Observed: 110.24, Expected: 99.8, Threshold: 4, Score: 0.01802130677496616, Reason: "price 110.24 drifted up +10.5% from 99.8 over 10 returns: CUSUM 4.1 sd; threshold 4, drift 0.5", SrcPartition: 3, SrcOffset: 50},
	}
	checkRows(t, got, want)
}

func TestPageHinkley(t *testing.T) {
	c := only(func(c *Config) {
		c.PageHinkley.Enabled = true
		c.PageHinkley.Warmup = 10
		c.PageHinkley.Threshold = 4
		c.PageHinkley.MinStddevMove = 0
	})
	// As for cusum, but a decline of 2% a tick. The test runs from the end of the
	// warm-up, so it has seen the ±1% returns before the decline.
	var b builder
	b.prices("P", 0, drift(100, -0.02)...)
	got := run(t, c, b.events, 0)
	want := []schemas.Anomaly{
		{InstrumentID: "P", EventTime: t0 + 43000000, Detector: "page_hinkley", Attribute: "price", Observed: 93.93, Expected: 95.85, Threshold: 4, Score: 0.06675591163182082, Reason: "price 93.93 is -2% from previous 95.85: Page-Hinkley rise 4.3 sd, mean return down; threshold 4, delta 0.5", SrcPartition: 3, SrcOffset: 43},
	}
	checkRows(t, got, want)
}

// drift returns 41 prices alternating ±1% from p, then 15 that move by
// step a tick, rounded to cents.
func drift(p, step float64) []float64 {
	ps := []float64{p}
	for i := range 40 {
		p = p * (1 + 0.01*float64(1-2*(i%2)))
		ps = append(ps, math.Round(p*100)/100)
	}
	for range 15 {
		p *= 1 + step
		ps = append(ps, math.Round(p*100)/100)
	}
	return ps
}
