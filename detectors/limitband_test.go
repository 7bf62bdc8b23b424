package detectors

import (
	"testing"

	"pricewatch/schemas"
)

func TestLimitBand(t *testing.T) {
	c := only(func(c *Config) { c.LimitBand.Enabled = true })
	var b builder
	b.add("AAA", 0, "price", 100)                    // no base yet
	b.add("AAA", 1, "base_price", 100)               // base 100
	b.add("AAA", 2, "price", 129)                    // +29%: inside
	b.add("AAA", 3, "price", 131)                    // +31%
	b.add("AAA", 4, "price", 131, "base_price", 200) // base first: -34.5%
	b.add("AAA", 5, "base_price", nil)               // base cleared
	b.add("AAA", 6, "price", 10)                     // no base
	b.add("AAA", 7, "base_price", 50)
	b.add("AAA", 8, "price", 80).Op = schemas.OpCorrect  // corrections are checked
	b.add("AAA", 9, "price", 1000).Op = schemas.OpDelete // deletes are not
	b.add("AAA", 10, "base_price", "x")                  // not a base: kept 50
	b.add("AAA", 11, "base_price", -5)                   // not a base: kept 50
	b.add("AAA", 12, "price", 34)                        // -32%
	b.add("BBB", 13, "price", 34)                        // another instrument: no base
	got := run(t, c, b.events, 0)
	want := []schemas.Anomaly{
		{InstrumentID: "AAA", EventTime: t0 + 3000000, Detector: "limit_band", Attribute: "price", Observed: 131, Expected: 100, Threshold: 0.3, Score: 0.032258064516129226, Reason: "price 131 is 31% above base_price 100; band ±30%", SrcPartition: 3, SrcOffset: 3},
		{InstrumentID: "AAA", EventTime: t0 + 4000000, Detector: "limit_band", Attribute: "price", Observed: 131, Expected: 200, Threshold: 0.3, Score: 0.13043478260869557, Reason: "price 131 is 34.5% below base_price 200; band ±30%", SrcPartition: 3, SrcOffset: 4},
		{InstrumentID: "AAA", EventTime: t0 + 8000000, Detector: "limit_band", Attribute: "price", Observed: 80, Expected: 50, Threshold: 0.3, Score: 0.5000000000000001, Reason: "price 80 is 60% above base_price 50; band ±30%", SrcPartition: 3, SrcOffset: 8},
		{InstrumentID: "AAA", EventTime: t0 + 12000000, Detector: "limit_band", Attribute: "price", Observed: 34, Expected: 50, Threshold: 0.3, Score: 0.06249999999999989, Reason: "price 34 is 32% below base_price 50; band ±30%", SrcPartition: 3, SrcOffset: 12},
	}
	checkRows(t, got, want)
}
