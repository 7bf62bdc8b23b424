package detectors

import (
	"testing"

	"pricewatch/schemas"
)

// barBuilder makes hand-written window bars: one-minute tumbling windows
// from t0, each with the next source offset of partition 3.
type barBuilder struct {
	off  int64
	bars []schemas.WindowBar
}

// add appends a bar of instrument id for minute m with a count, a volume
// (negative for none), and the open and close prices.
func (b *barBuilder) add(id string, m int, count int64, volume, open, close float64) *schemas.WindowBar {
	bar := schemas.WindowBar{
		InstrumentID: id, Attribute: "price", WindowKind: "tumbling",
		WindowStart: t0 + int64(m)*60_000_000, WindowEnd: t0 + int64(m+1)*60_000_000,
		Open: open, Close: close, High: max(open, close), Low: min(open, close), Count: count,
		Volume: max(volume, 0), HasVWAP: volume >= 0,
		SrcPartition: 3, SrcOffset: b.off,
	}
	b.off++
	b.bars = append(b.bars, bar)
	return &b.bars[len(b.bars)-1]
}

// runBars feeds bars to a new Set of c, flushing after each bar whose
// successor has a later window end (as a lane flushes after each event)
// and at the end.
func runBars(t *testing.T, c Config, bars []schemas.WindowBar) []schemas.Anomaly {
	t.Helper()
	s, err := NewSet(c)
	if err != nil {
		t.Fatal(err)
	}
	var out []schemas.Anomaly
	for i := range bars {
		out = s.ObserveBar(&bars[i], out)
		if i+1 == len(bars) || bars[i+1].WindowEnd != bars[i].WindowEnd {
			out = s.FlushBars(out)
		}
	}
	return out
}

func TestBurst(t *testing.T) {
	c := only(func(c *Config) {
		c.Burst.Enabled = true
		c.Burst.Warmup = 4
		c.Burst.Alpha = 0.25
		c.Burst.Threshold = 3
		c.Burst.MinRatio = 3
		c.Burst.MinCount = 20
		c.Burst.Cooldown = 1
	})
	var b barBuilder
	for m, n := range []int64{10, 12, 9, 11} { // the warm-up: about 10 a minute
		b.add("A", m, n, float64(100*n), 100, 100)
	}
	b.add("A", 4, 60, 6000, 100, 100)  // count and volume 6× the usual: the volume scores higher
	b.add("A", 5, 70, 700, 100, 100)   // the cooldown
	b.add("A", 6, 10, 1000, 100, 100)  // ordinary
	b.add("A", 7, 15, 30000, 100, 100) // volume 30×, count ordinary
	b.add("A", 8, 19, -1, 100, 100)    // no volume; 19 is below min_count
	e := b.add("A", 9, 500, 500, 100, 100)
	e.Early = true // a speculative row: not used
	e = b.add("A", 9, 500, 500, 100, 100)
	e.Revision = 1 // a late update: not used
	e = b.add("A", 9, 500, 500, 100, 100)
	e.WindowKind = "session" // sessions are not used
	e = b.add("A", 9, 500, 500, 100, 100)
	e.Attribute = "bid"               // not a burst attribute
	b.add("B", 9, 500, 500, 100, 100) // B is warming up
	b.add("A", 10, 80, -1, 100, 100)  // a count burst
	got := runBars(t, c, b.bars)
	want := []schemas.Anomaly{
		{InstrumentID: "A", EventTime: t0 + 240000000, Detector: "burst", Attribute: "price", Observed: 6000, Expected: 1044.014457186617, Threshold: 3, Score: 0.5709125390930396, Reason: "price volume 6,000 in the 1m window from 2024-03-01T09:34:00.000000Z is 5.7× the usual 1,044: z-score +7 on a log scale (sd 0.25); threshold 3, min ratio 3", SrcPartition: 3, SrcOffset: 4},
		{InstrumentID: "A", EventTime: t0 + 420000000, Detector: "burst", Attribute: "price", Observed: 30000, Expected: 1064.9612977827653, Threshold: 3, Score: 0.6966171435990196, Reason: "price volume 30,000 in the 1m window from 2024-03-01T09:37:00.000000Z is 28.2× the usual 1,065: z-score +9.9 on a log scale (sd 0.34); threshold 3, min ratio 3", SrcPartition: 3, SrcOffset: 7},
		{InstrumentID: "A", EventTime: t0 + 600000000, Detector: "burst", Attribute: "price", Observed: 80, Expected: 15.770946506840744, Threshold: 3, Score: 0.2612341569512434, Reason: "price count 80 in the 1m window from 2024-03-01T09:40:00.000000Z is 5.1× the usual 15.8: z-score +4.1 on a log scale (sd 0.39); threshold 3, min ratio 3", SrcPartition: 3, SrcOffset: 14},
	}
	checkRows(t, got, want)
}

// xsBars builds a lane of six instruments A-F and three T1-T3: small moves
// for six minutes; in minute 6, A jumps +8% and the Ts move +5% together;
// in minute 7 everything moves +3% but B, which has no bar; in minute 8, B
// is back (its return is from its open, +0.1%, not from its close of
// minute 6), D has no bar and C falls 4%.
func xsBars() []schemas.WindowBar {
	var b barBuilder
	ids := []string{"A", "B", "C", "D", "E", "F", "T1", "T2", "T3"}
	price := make([]float64, len(ids))
	for i := range price {
		price[i] = 100 + float64(i)
	}
	for m := range 9 {
		for i, id := range ids {
			if m == 8 && id == "D" {
				continue
			}
			open := price[i]
			price[i] *= 1 + 0.001*float64((i+m)%3-1)
			switch {
			case m == 6 && id == "A":
				price[i] *= 1.08
			case m == 6 && id[0] == 'T':
				price[i] *= 1.05
			case m == 7:
				price[i] *= 1.03
			case m == 8 && id == "C":
				price[i] *= 0.96
			}
			if m == 7 && id == "B" {
				continue // B skips minute 7: in minute 8 its ref is its open
			}
			b.add(id, m, 10, -1, open, price[i])
		}
	}
	return b.bars
}

func TestCrossSection(t *testing.T) {
	c := only(func(c *Config) {
		c.CrossSection.Enabled = true
		c.CrossSection.Warmup = 3
		c.CrossSection.Threshold = 4
		c.CrossSection.Alpha = 0.5
		c.CrossSection.MinInstruments = 3
	})
	// The lane: A's +8% and the Ts' +5% are flagged against the lane
	// median, and C's -4%.
	got := runBars(t, c, xsBars())
	want := []schemas.Anomaly{
		{InstrumentID: "A", EventTime: t0 + 360000000, Detector: "cross_section", Attribute: "price", Observed: 0.07891999999999988, Expected: 0.0009999999999998899, Threshold: 4, Score: 0.8417737550156636, Reason: "price +7.9% in the 1m window from 2024-03-01T09:36:00.000000Z against the lane median +0.1% of 9 instruments: 25.3 sd from it (sd 0.297%); threshold 4", SrcPartition: 3, SrcOffset: 54},
		{InstrumentID: "T1", EventTime: t0 + 360000000, Detector: "cross_section", Attribute: "price", Observed: 0.04895000000000005, Expected: 0.0009999999999998899, Threshold: 4, Score: 0.7465107393159505, Reason: "price +4.9% in the 1m window from 2024-03-01T09:36:00.000000Z against the lane median +0.1% of 9 instruments: 15.8 sd from it (sd 0.297%); threshold 4", SrcPartition: 3, SrcOffset: 60},
		{InstrumentID: "T2", EventTime: t0 + 360000000, Detector: "cross_section", Attribute: "price", Observed: 0.050000000000000044, Expected: 0.0009999999999998899, Threshold: 4, Score: 0.7518175517666563, Reason: "price +5% in the 1m window from 2024-03-01T09:36:00.000000Z against the lane median +0.1% of 9 instruments: 16.1 sd from it (sd 0.297%); threshold 4", SrcPartition: 3, SrcOffset: 61},
		{InstrumentID: "T3", EventTime: t0 + 360000000, Detector: "cross_section", Attribute: "price", Observed: 0.05105000000000004, Expected: 0.0009999999999998899, Threshold: 4, Score: 0.7569017412523339, Reason: "price +5.1% in the 1m window from 2024-03-01T09:36:00.000000Z against the lane median +0.1% of 9 instruments: 16.5 sd from it (sd 0.297%); threshold 4", SrcPartition: 3, SrcOffset: 62},
		{InstrumentID: "C", EventTime: t0 + 480000000, Detector: "cross_section", Attribute: "price", Observed: -0.040000000000000036, Expected: -0.0005001250625390903, Threshold: 4, Score: 0.9007979425459448, Reason: "price -4% in the 1m window from 2024-03-01T09:38:00.000000Z against the lane median -0.05% of 8 instruments: 40.3 sd from it (sd 0.1%); threshold 4", SrcPartition: 3, SrcOffset: 73},
	}
	checkRows(t, got, want)

	// With the T group, the Ts' move is their group's median: A and C are
	// flagged against the median of the instruments in no group.
	c.AddGroup("tech", []string{"T"}, nil, nil)
	got = runBars(t, c, xsBars())
	want = []schemas.Anomaly{
		{InstrumentID: "A", EventTime: t0 + 360000000, Detector: "cross_section", Attribute: "price", Observed: 0.07891999999999988, Expected: 0.0004998750624609098, Threshold: 4, Score: 0.946992339116951, Reason: "price +7.9% in the 1m window from 2024-03-01T09:36:00.000000Z against the ungrouped median +0.05% of 6 instruments: 75.5 sd from it (sd 0.1%); threshold 4", SrcPartition: 3, SrcOffset: 54},
		{InstrumentID: "C", EventTime: t0 + 480000000, Detector: "cross_section", Attribute: "price", Observed: -0.040000000000000036, Expected: -0.0010000000000000009, Threshold: 4, Score: 0.8510008903616252, Reason: "price -4% in the 1m window from 2024-03-01T09:38:00.000000Z against the ungrouped median -0.1% of 5 instruments: 26.8 sd from it (sd 0.148%); threshold 4", SrcPartition: 3, SrcOffset: 73},
	}
	checkRows(t, got, want)
}
