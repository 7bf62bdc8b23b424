package main

import (
	"bytes"
	"testing"
)

// TestQuality runs a third of the benchmark (`go run ./detectors/quality`
// runs it all) and holds the detectors to what the defaults were tuned
// for: recall of at least 0.95 on planted jumps and band breaks by jump,
// limit_band and the ensemble, every kind found by the detector meant for
// it, and no finding at all on the clean control lanes.
func TestQuality(t *testing.T) {
	o := defaultOptions()
	o.Planted, o.Controls = 4, 4
	if testing.Short() {
		o.Planted, o.Controls = 2, 2
	}
	r := run(o)
	var b bytes.Buffer
	r.write(&b)
	t.Log("\n" + b.String())
	for _, c := range []struct {
		det, kind string
		min       float64
		soft      bool // not checked with -short: too few anomalies
	}{
		{"jump", kindJump, 0.95, false},
		{"jump", kindBand, 0.95, false},
		{"limit_band", kindBand, 0.95, false},
		{"ensemble", kindJump, 0.95, false},
		{"ensemble", kindBand, 0.95, false},
		{"lane defaults: ensemble", kindJump, 0.95, false},
		{"lane defaults: ensemble", kindBand, 0.95, false},
		{"zscore", kindShift, 0.9, true},
		{"sequence", kindSeqGap, 0.95, true},
		{"stale", kindStale, 0.95, true},
		{"burst", kindBurst, 0.9, true},
		{"cross_section", kindJump, 0.9, true},
	} {
		if c.soft && testing.Short() {
			continue
		}
		if got := r.t[c.det].recallOf(c.kind); got < c.min {
			t.Errorf("%s: recall %.3f on %s; want at least %.2f", c.det, got, c.kind, c.min)
		}
	}
	for _, name := range detOrder {
		if fp := r.t[name].fp; fp != 0 {
			t.Errorf("%s: %d findings on the control lanes; want none", name, fp)
		}
	}
}
