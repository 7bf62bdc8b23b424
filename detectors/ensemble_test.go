package detectors

import (
	"math"
	"strings"
	"testing"

	"pricewatch/schemas"
)

func ensembleEvents() []schemas.Event {
	var b builder
	b.prices("E", 0, 100, 101, 100, 101, 100) // the zscore warm-up: ±1%
	// +4.5%: jump 0.9 of its threshold (score 0.45), zscore 0.5 (0.2):
	// below 0.5 for max, above for noisy_or.
	b.add("E", 5, "price", 104.5)
	b.add("E", 6, "price", 104) // ordinary; noisy_or's cooldown
	// limit_band 1.02 of its band (score 0.51): a row for both, then 1.007
	// of it in the cooldown.
	b.add("E", 7, "price", 104.5, "base_price", 80)
	b.add("E", 8, "price", 104.2)
	return b.events
}

func ensembleConfig(combine string) Config {
	return only(func(c *Config) {
		c.Jump.Enabled = true
		c.LimitBand.Enabled = true
		c.ZScore.Enabled = true
		c.ZScore.Window = 5
		c.ZScore.MinEvents = 3
		c.ZScore.Threshold = 8
		c.ZScore.MinStddevMove = 0
		c.Ensemble.Enabled = true
		c.Ensemble.Combine = combine
		c.Ensemble.Cooldown = 1
	})
}

func TestEnsemble(t *testing.T) {
	got := run(t, ensembleConfig("max"), ensembleEvents(), 0)
	var ens []schemas.Anomaly
	for _, a := range got {
		if a.Detector == "ensemble" {
			ens = append(ens, a)
		}
	}
	want := []schemas.Anomaly{
		{InstrumentID: "E", EventTime: t0 + 7000000, Detector: "ensemble", Attribute: "price", Observed: 104.5, Expected: 80, Threshold: 0.5, Score: 0.02061636556854385, Reason: "price 104.5 (expected 80 by limit_band): ensemble score 0.51 (max) of limit_band 0.51; threshold 0.5", SrcPartition: 3, SrcOffset: 7},
	}
	checkRows(t, ens, want)
}

func TestEnsembleNoisyOr(t *testing.T) {
	got := run(t, ensembleConfig("noisy_or"), ensembleEvents(), 0)
	var ens []schemas.Anomaly
	for _, a := range got {
		if a.Detector == "ensemble" {
			ens = append(ens, a)
		}
	}
	want := []schemas.Anomaly{
		{InstrumentID: "E", EventTime: t0 + 5000000, Detector: "ensemble", Attribute: "price", Observed: 104.5, Expected: 100, Threshold: 0.5, Score: 0.10115268254743714, Reason: "price 104.5 (expected 100 by jump): ensemble score 0.55 (noisy_or) of jump 0.44, zscore 0.18; threshold 0.5", SrcPartition: 3, SrcOffset: 5},
		{InstrumentID: "E", EventTime: t0 + 7000000, Detector: "ensemble", Attribute: "price", Observed: 104.5, Expected: 80, Threshold: 0.5, Score: 0.029620902705017382, Reason: "price 104.5 (expected 80 by limit_band): ensemble score 0.51 (noisy_or) of limit_band 0.51; threshold 0.5", SrcPartition: 3, SrcOffset: 7},
	}
	checkRows(t, ens, want)
}

// TestScorer checks the per-event scores detect writes: Calibrate of each
// member's measure over its threshold, and their maximum.
func TestScorer(t *testing.T) {
	for _, tc := range []struct{ r, want float64 }{
		{0, 0}, {-1, 0}, {math.NaN(), 0}, {0.5, 0.2}, {1, 0.5}, {2, 0.8}, {math.Inf(1), 1}, {1e9, 1},
	} {
		if got := Calibrate(tc.r); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("Calibrate(%v) = %v; want %v", tc.r, got, tc.want)
		}
	}
	c := ensembleConfig("max")
	c.Ensemble.Enabled = false
	s, _ := NewSet(c)
	jump, _ := s.Scorer("jump")
	ens, _ := s.Scorer("ensemble")
	var b builder
	b.prices("S", 0, 100, 103, 100)
	var got []string
	for i := range b.events {
		s.Observe(&b.events[i], 0, nil)
		got = append(got, fmtScore(jump())+"/"+fmtScore(ens()))
	}
	// 103 is +3%: r 0.6 of the 5% threshold, score 0.36/1.36; 100 is -2.9%:
	// r 0.58, score 0.25.
	if want := "0/0 0.264706/0.264706 0.253361/0.253361"; strings.Join(got, " ") != want {
		t.Errorf("scores %s; want %s", strings.Join(got, " "), want)
	}
	for _, name := range []string{"stale", "burst", "mad", "nope"} {
		if _, err := s.Scorer(name); err == nil {
			t.Errorf("Scorer(%q) gave no error", name)
		}
	}
}

func fmtScore(v float64) string {
	return strings.TrimRight(strings.TrimRight(strconvF(v), "0"), ".")
}
