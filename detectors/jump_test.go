package detectors

import (
	"math"
	"testing"

	"pricewatch/schemas"
)

func jumpEvents() []schemas.Event {
	var b builder
	b.prices("AAA", 0, 100, 104, 110) // +4% no, +5.77% yes
	b.add("BBB", 0.5, "price", 69_700, "bid", 69_600)
	b.add("BBB", 1.5, "price", 91_500)                   // the doc example
	b.add("BBB", 2.5, "bid", 69_000)                     // bid -0.86%: no
	b.add("AAA", 3, "price", nil)                        // null clears prev
	b.add("AAA", 4, "price", 50)                         // no prev: no check
	b.add("AAA", 5, "price", 200).Op = schemas.OpCorrect // corrects the latest
	b.add("AAA", 6, "price", 202)                        // vs 200: +1%
	b.add("AAA", 1, "price", 10).Op = schemas.OpCorrect  // an older value: ignored
	b.add("AAA", 7, "price", 1).Op = schemas.OpDelete    // not a tick
	b.add("AAA", 8, "price", 204)                        // vs 202: +1%
	b.add("AAA", 9, "price", math.NaN())                 // ignored
	b.add("AAA", 10, "price", "n/a")                     // ignored
	b.add("AAA", 11, "price", 150)                       // -26.5%
	b.add("AAA", 12, "price", 0)                         // -100%, not kept
	b.add("AAA", 13, "price", 160)                       // vs 150: +6.7%
	b.add("BBB", 14, "bid", 60_000)                      // bid -13%
	return b.events
}

func TestJump(t *testing.T) {
	c := only(func(c *Config) {
		c.Jump.Enabled = true
		c.Jump.Attributes = []string{"price", "bid"}
	})
	got := run(t, c, jumpEvents(), 0)
	want := []schemas.Anomaly{
		{InstrumentID: "AAA", EventTime: t0 + 2000000, Detector: "jump", Attribute: "price", Observed: 110, Expected: 104, Threshold: 0.05, Score: 0.13333333333333353, Reason: "price 110 is 5.8% above previous 104; threshold 5%", SrcPartition: 3, SrcOffset: 2},
		{InstrumentID: "BBB", EventTime: t0 + 1500000, Detector: "jump", Attribute: "price", Observed: 91500, Expected: 69700, Threshold: 0.05, Score: 0.840137614678899, Reason: "price 91,500 is 31.3% above previous 69,700; threshold 5%", SrcPartition: 3, SrcOffset: 4},
		{InstrumentID: "AAA", EventTime: t0 + 11000000, Detector: "jump", Attribute: "price", Observed: 150, Expected: 204, Threshold: 0.05, Score: 0.8111111111111111, Reason: "price 150 is 26.5% below previous 204; threshold 5%", SrcPartition: 3, SrcOffset: 15},
		{InstrumentID: "AAA", EventTime: t0 + 12000000, Detector: "jump", Attribute: "price", Observed: 0, Expected: 150, Threshold: 0.05, Score: 0.95, Reason: "price 0 is 100% below previous 150; threshold 5%", SrcPartition: 3, SrcOffset: 16},
		{InstrumentID: "AAA", EventTime: t0 + 13000000, Detector: "jump", Attribute: "price", Observed: 160, Expected: 150, Threshold: 0.05, Score: 0.24999999999999978, Reason: "price 160 is 6.7% above previous 150; threshold 5%", SrcPartition: 3, SrcOffset: 17},
		{InstrumentID: "BBB", EventTime: t0 + 14000000, Detector: "jump", Attribute: "bid", Observed: 60000, Expected: 69000, Threshold: 0.05, Score: 0.6166666666666667, Reason: "bid 60,000 is 13% below previous 69,000; threshold 5%", SrcPartition: 3, SrcOffset: 18},
	}
	checkRows(t, got, want)
}

// TestJumpDefaults: only price is checked by default, at 5%.
func TestJumpDefaults(t *testing.T) {
	c := only(func(c *Config) { c.Jump.Enabled = true })
	got := run(t, c, jumpEvents(), 0)
	if len(got) != 5 {
		t.Fatalf("got %d rows, want the 5 price rows:\n%s", len(got), goRows(got))
	}
	for _, a := range got {
		if a.Attribute != "price" {
			t.Errorf("row for %s with default attributes", a.Attribute)
		}
	}
}
