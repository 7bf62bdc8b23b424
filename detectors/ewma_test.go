package detectors

import (
	"testing"

	"pricewatch/schemas"
)

func TestEWMA(t *testing.T) {
	c := only(func(c *Config) {
		c.EWMA.Enabled = true
		c.EWMA.Alpha = 0.2
		c.EWMA.Warmup = 4
		c.EWMA.Threshold = 4
		c.EWMA.MinStddevMove = 0 // the sd alone (see TestMoveFloor)
	})
	var b builder
	// Returns ±1% for the warm-up, then +10%: flagged. The -9.1% back is
	// scored against statistics that now hold the +10%: not flagged.
	b.prices("E", 0, 100, 101, 100, 101, 100, 101, 110, 100)
	got := run(t, c, b.events, 0)
	want := []schemas.Anomaly{
		{InstrumentID: "E", EventTime: t0 + 6000000, Detector: "ewma", Attribute: "price", Observed: 110, Expected: 101, Threshold: 4, Score: 0.5322385152174673, Reason: "price 110 is +8.9% from previous 101: z-score +8.6 against the weighted returns (sd 0.975%); threshold 4", SrcPartition: 3, SrcOffset: 6},
	}
	checkRows(t, got, want)
}
