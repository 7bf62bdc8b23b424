package detectors

import (
	"testing"
	"time"

	"pricewatch/conf"
	"pricewatch/schemas"
)

func staleEvents() []schemas.Event {
	var b builder
	for _, t := range []float64{0, 1, 2, 3} {
		b.add("A", t, "price", 1)
	}
	for _, t := range []float64{4, 5, 6, 7, 8} {
		b.add("B", t, "price", 1) // the watermark passes A's deadline, 6 s
	}
	b.add("A", 20, "price", 1) // ... and B's, 11 s
	b.add("B", 21, "price", 1).Op = schemas.OpDelete
	b.add("A", 22, "price", 1)
	b.add("A", 24, "price", 1)
	b.add("C", 40, "price", 1) // A's deadline is 30 s; B is deleted
	return b.events
}

func TestStale(t *testing.T) {
	c := only(func(c *Config) {
		c.Stale.Enabled = true
		c.Stale.Factor = 3
		c.Stale.Alpha = 0.5
		c.Stale.Warmup = 2
		c.Stale.MinGap = 0
	})
	got := run(t, c, staleEvents(), 0)
	want := []schemas.Anomaly{
		{InstrumentID: "A", EventTime: t0 + 6000000, Detector: "stale", Attribute: "", Observed: 4, Expected: 1, Threshold: 3, Score: 0.25, Reason: "no update for 4s since 2024-03-01T09:30:03.000000Z; typical interval 1s, factor 3", SrcPartition: 3, SrcOffset: 7},
		{InstrumentID: "B", EventTime: t0 + 11000000, Detector: "stale", Attribute: "", Observed: 12, Expected: 1, Threshold: 3, Score: 0.75, Reason: "no update for 12s since 2024-03-01T09:30:08.000000Z; typical interval 1s, factor 3", SrcPartition: 3, SrcOffset: 9},
		{InstrumentID: "A", EventTime: t0 + 30000000, Detector: "stale", Attribute: "", Observed: 16, Expected: 2, Threshold: 3, Score: 0.625, Reason: "no update for 16s since 2024-03-01T09:30:24.000000Z; typical interval 2s, factor 3", SrcPartition: 3, SrcOffset: 13},
	}
	checkRows(t, got, want)

	c.Stale.MinGap = conf.Duration(time.Minute)
	if got := run(t, c, staleEvents(), 0); len(got) != 0 {
		t.Errorf("min_gap 1m: got\n%s", goRows(got))
	}
}

// TestStaleOwnEvent: in a lane of one series, the gap is revealed by the
// instrument's own next upsert.
func TestStaleOwnEvent(t *testing.T) {
	c := only(func(c *Config) {
		c.Stale.Enabled = true
		c.Stale.Factor = 3
		c.Stale.Warmup = 2
		c.Stale.MinGap = 0
	})
	var b builder
	for _, t := range []float64{0, 1, 2, 3, 10, 11} {
		b.add("A", t, "price", 1)
	}
	got := run(t, c, b.events, 2_000_000)
	want := []schemas.Anomaly{
		{InstrumentID: "A", EventTime: t0 + 6000000, Detector: "stale", Attribute: "", Observed: 5, Expected: 1, Threshold: 3, Score: 0.4, Reason: "no update for 5s since 2024-03-01T09:30:03.000000Z; typical interval 1s, factor 3", SrcPartition: 3, SrcOffset: 4},
	}
	checkRows(t, got, want)
}
