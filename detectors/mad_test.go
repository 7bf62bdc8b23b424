package detectors

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"pricewatch/schemas"
)

func TestMAD(t *testing.T) {
	c := only(func(c *Config) {
		c.MAD.Enabled = true
		c.MAD.Window = 5
		c.MAD.MinEvents = 4
		c.MAD.Threshold = 5
	})
	var b builder
	// Returns +1%, -1%, +2%, -1%, then +10%: flagged (robust z 6.4). The
	// -9.1% back scores -3.6: with the +10% in a 5-return window the MAD
	// doubles.
	b.prices("M", 0, 100, 101, 99.99, 101.9898, 100.97, 111.067, 100.97)
	got := run(t, c, b.events, 0)
	want := []schemas.Anomaly{
		{InstrumentID: "M", EventTime: t0 + 5000000, Detector: "mad", Attribute: "price", Observed: 111.067, Expected: 100.97, Threshold: 5, Score: 0.22260164963342, Reason: "price 111.067 is +10% from previous 100.97: robust z-score +6.4 against the last 4 returns (robust sd 1.5%); threshold 5", SrcPartition: 3, SrcOffset: 5},
	}
	checkRows(t, got, want)
}

func TestMedianMAD(t *testing.T) {
	for _, tc := range []struct {
		in       []float64
		med, mad float64
	}{
		{[]float64{1, 2, 3}, 2, 1},
		{[]float64{1, 2, 3, 4}, 2.5, 1},
		{[]float64{1, 1, 2, 2, 4, 6, 9}, 2, 1},
		{[]float64{-3, 0, 0, 0, 100}, 0, 0},
		{[]float64{1, 2, 4, 8, 16, 32}, 6, 4.5},
	} {
		in := slices.Clone(tc.in)
		if med, mad := medianMAD(in); med != tc.med || mad != tc.mad {
			t.Errorf("medianMAD(%v) = %v, %v; want %v, %v", tc.in, med, mad, tc.med, tc.mad)
		}
	}
}

// TestMedianMADRandom checks medianMAD and the sorted window against a
// plain sort, with ties, over a long stream of pushes.
func TestMedianMADRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{3, 4, 7, 50} {
		var st madState
		var window []float64
		for range 2000 {
			r := float64(rng.IntN(20)) / 4 // many ties
			st.push(r, size)
			window = append(window, r)
			if len(window) > size {
				window = window[1:]
			}
			sorted := slices.Sorted(slices.Values(window))
			if !slices.Equal(st.Sorted, sorted) {
				t.Fatalf("size %d: sorted window %v; want %v", size, st.Sorted, sorted)
			}
			n := len(sorted)
			med := (sorted[(n-1)/2] + sorted[n/2]) / 2
			dev := make([]float64, n)
			for i, v := range sorted {
				dev[i] = math.Abs(v - med)
			}
			slices.Sort(dev)
			mad := (dev[(n-1)/2] + dev[n/2]) / 2
			if gm, gd := medianMAD(st.Sorted); gm != med || gd != mad {
				t.Fatalf("medianMAD(%v) = %v, %v; want %v, %v", sorted, gm, gd, med, mad)
			}
		}
	}
}
