package detectors

import (
	"testing"

	"pricewatch/schemas"
)

func TestVolatilityInterruption(t *testing.T) {
	c := only(func(c *Config) { c.VI.Enabled = true })
	var b builder
	b.add("AAA", 0, "price", 100)                    // first price: nothing to compare
	b.add("AAA", 1, "price", 102)                    // +2% from 100: inside the dynamic band
	b.add("AAA", 2, "price", 105.5)                  // +3.4% from 102: dynamic VI
	b.add("AAA", 3, "base_price", 95)                // reference 95
	b.add("AAA", 4, "price", 106)                    // +0.5% dynamic, +11.6% from 95: static VI
	b.add("AAA", 5, "price", 104, "base_price", 100) // reference first: +4% static, -1.9% dynamic
	b.add("AAA", 6, "price", 0)                      // not a price: ignored
	b.add("AAA", 7, "price", 99).Op = schemas.OpDelete
	b.add("AAA", 8, "price", 99) // -4.8% from 104: dynamic VI
	got := run(t, c, b.events, 0)
	want := []schemas.Anomaly{
		{InstrumentID: "AAA", EventTime: t0 + 2000000, Detector: "volatility_interruption", Attribute: "price", Observed: 105.5, Expected: 102, Threshold: 0.03, Score: 0.12571428571428833, Reason: "dynamic VI: price 105.5 is 3.4% above previous 102; band ±3%", SrcPartition: 3, SrcOffset: 2},
		{InstrumentID: "AAA", EventTime: t0 + 4000000, Detector: "volatility_interruption", Attribute: "price", Observed: 106, Expected: 95, Threshold: 0.1, Score: 0.1363636363636357, Reason: "static VI: price 106 is 11.6% above base_price 95; band ±10%", SrcPartition: 3, SrcOffset: 4},
		{InstrumentID: "AAA", EventTime: t0 + 8000000, Detector: "volatility_interruption", Attribute: "price", Observed: 99, Expected: 104, Threshold: 0.03, Score: 0.37600000000000067, Reason: "dynamic VI: price 99 is 4.8% below previous 104; band ±3%", SrcPartition: 3, SrcOffset: 8},
	}
	checkRows(t, got, want)
}
