package detectors

import (
	"math"
	"testing"

	"pricewatch/schemas"
)

func TestInvalid(t *testing.T) {
	c := only(func(c *Config) {
		c.Invalid.Enabled = true
		c.Invalid.TickSize = 0.05
	})
	var b builder
	b.prices("AAA", 0, 100.05, 100.07, math.NaN(), math.Inf(1), -5, 0, 12_345.65)
	b.add("AAA", 7, "price", "n/a")
	b.add("AAA", 8, "price", nil)                          // a null: not checked
	b.add("AAA", 9, "price", -1).Op = schemas.OpDelete     // not checked
	b.add("AAA", 10, "price", 0.01).Op = schemas.OpCorrect // checked
	got := run(t, c, b.events, 0)
	want := []schemas.Anomaly{
		{InstrumentID: "AAA", EventTime: t0 + 1000000, Detector: "invalid", Attribute: "price", Observed: 100.07, Expected: 100.05, Threshold: 0.05, Score: 0.7999999999997272, Reason: "price 100.07 is off the 0.05 tick; nearest 100.05", SrcPartition: 3, SrcOffset: 1},
		{InstrumentID: "AAA", EventTime: t0 + 2000000, Detector: "invalid", Attribute: "price", Observed: math.NaN(), Expected: 0, Threshold: 0, Score: 1, Reason: "price NaN is not a finite number", SrcPartition: 3, SrcOffset: 2},
		{InstrumentID: "AAA", EventTime: t0 + 3000000, Detector: "invalid", Attribute: "price", Observed: math.Inf(1), Expected: 0, Threshold: 0, Score: 1, Reason: "price +Inf is not a finite number", SrcPartition: 3, SrcOffset: 3},
		{InstrumentID: "AAA", EventTime: t0 + 4000000, Detector: "invalid", Attribute: "price", Observed: -5, Expected: 0, Threshold: 0, Score: 1, Reason: "price -5 is not positive", SrcPartition: 3, SrcOffset: 4},
		{InstrumentID: "AAA", EventTime: t0 + 5000000, Detector: "invalid", Attribute: "price", Observed: 0, Expected: 0, Threshold: 0, Score: 1, Reason: "price 0 is not positive", SrcPartition: 3, SrcOffset: 5},
		{InstrumentID: "AAA", EventTime: t0 + 7000000, Detector: "invalid", Attribute: "price", Observed: 0, Expected: 0, Threshold: 0, Score: 1, Reason: "price is a string, not a number", SrcPartition: 3, SrcOffset: 7},
		{InstrumentID: "AAA", EventTime: t0 + 10000000, Detector: "invalid", Attribute: "price", Observed: 0.01, Expected: 0, Threshold: 0.05, Score: 0.39999999999999997, Reason: "price 0.01 is off the 0.05 tick; nearest 0", SrcPartition: 3, SrcOffset: 10},
	}
	checkRows(t, got, want)
}
