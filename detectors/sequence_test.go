package detectors

import (
	"testing"

	"pricewatch/schemas"
)

func seqEvents() []schemas.Event {
	var b builder
	for i, seq := range []int64{1, 2, 3, 3, 7, 5, 8, 11, 1, 2, 3, 0, 4} {
		ev := b.add("S", float64(i), "price", 100)
		ev.Seq, ev.HasSeq = seq, true
	}
	b.add("S", 20, "price", 100) // no seq: not checked
	ev := b.add("T", 21, "price", 100)
	ev.Seq, ev.HasSeq = 50, true
	return b.events
}

func TestSequence(t *testing.T) {
	c := only(func(c *Config) { c.Sequence.Enabled = true })
	// 3 repeats; 7 skips 4..6; 5 regresses; 8 follows 7; 11 skips 9, 10;
	// 1 regresses, and 2 following it means the numbering restarted, so 3
	// follows; 0 regresses, and 4 (not 1) means it was a stray.
	got := run(t, c, seqEvents(), 0)
	want := []schemas.Anomaly{
		{InstrumentID: "S", EventTime: t0 + 3000000, Detector: "sequence", Attribute: "seq", Observed: 3, Expected: 4, Threshold: 0, Score: 1, Reason: "seq 3 repeats the previous seq", SrcPartition: 3, SrcOffset: 3},
		{InstrumentID: "S", EventTime: t0 + 4000000, Detector: "sequence", Attribute: "seq", Observed: 7, Expected: 4, Threshold: 0, Score: 0.75, Reason: "seq 7 after 3: 3 missing; max gap 0", SrcPartition: 3, SrcOffset: 4},
		{InstrumentID: "S", EventTime: t0 + 5000000, Detector: "sequence", Attribute: "seq", Observed: 5, Expected: 8, Threshold: 0, Score: 1, Reason: "seq 5 is below the highest seq seen 7", SrcPartition: 3, SrcOffset: 5},
		{InstrumentID: "S", EventTime: t0 + 7000000, Detector: "sequence", Attribute: "seq", Observed: 11, Expected: 9, Threshold: 0, Score: 0.6666666666666667, Reason: "seq 11 after 8: 2 missing; max gap 0", SrcPartition: 3, SrcOffset: 7},
		{InstrumentID: "S", EventTime: t0 + 8000000, Detector: "sequence", Attribute: "seq", Observed: 1, Expected: 12, Threshold: 0, Score: 1, Reason: "seq 1 is below the highest seq seen 11", SrcPartition: 3, SrcOffset: 8},
		{InstrumentID: "S", EventTime: t0 + 11000000, Detector: "sequence", Attribute: "seq", Observed: 0, Expected: 4, Threshold: 0, Score: 1, Reason: "seq 0 is below the highest seq seen 3", SrcPartition: 3, SrcOffset: 11},
	}
	checkRows(t, got, want)
}

func TestSequenceMaxGap(t *testing.T) {
	c := only(func(c *Config) {
		c.Sequence.Enabled = true
		c.Sequence.MaxGap = 2
	})
	got := run(t, c, seqEvents(), 0)
	want := []schemas.Anomaly{
		{InstrumentID: "S", EventTime: t0 + 3000000, Detector: "sequence", Attribute: "seq", Observed: 3, Expected: 4, Threshold: 2, Score: 1, Reason: "seq 3 repeats the previous seq", SrcPartition: 3, SrcOffset: 3},
		{InstrumentID: "S", EventTime: t0 + 4000000, Detector: "sequence", Attribute: "seq", Observed: 7, Expected: 4, Threshold: 2, Score: 0.25, Reason: "seq 7 after 3: 3 missing; max gap 2", SrcPartition: 3, SrcOffset: 4},
		{InstrumentID: "S", EventTime: t0 + 5000000, Detector: "sequence", Attribute: "seq", Observed: 5, Expected: 8, Threshold: 2, Score: 1, Reason: "seq 5 is below the highest seq seen 7", SrcPartition: 3, SrcOffset: 5},
		{InstrumentID: "S", EventTime: t0 + 8000000, Detector: "sequence", Attribute: "seq", Observed: 1, Expected: 12, Threshold: 2, Score: 1, Reason: "seq 1 is below the highest seq seen 11", SrcPartition: 3, SrcOffset: 8},
		{InstrumentID: "S", EventTime: t0 + 11000000, Detector: "sequence", Attribute: "seq", Observed: 0, Expected: 4, Threshold: 2, Score: 1, Reason: "seq 0 is below the highest seq seen 3", SrcPartition: 3, SrcOffset: 11},
	}
	checkRows(t, got, want)
}
