// Package detectors checks price-change events for anomalies, one lane
// (Kafka partition) at a time.
//
// # Tour
//
// A [Set] holds every enabled detector of one lane, built from the
// `detectors:` section of the job config ([Config], [DefaultConfig],
// [Config.Validate]). The lane calls [Set.Observe] with each event in
// offset order and its watermark, and [Set.ObserveBar] with each closed
// window bar; findings are appended to a caller-owned []schemas.Anomaly.
// [Set.MarshalBinary] and [Set.UnmarshalBinary] checkpoint and restore the
// whole state; restoring and continuing gives the rows of an uninterrupted
// run. Results are a pure function of the input: no wall clock, no map
// iteration, no randomness.
//
// Each detector is a file implementing the unexported detector interface:
//
//	jump.go         on   relative change from the previous value
//	zscore.go       on   z-score of a log return against a rolling window
//	limitband.go    on   price outside ±band of the latest base price
//	sequence.go     on   gaps, duplicates and regressions of Event.Seq
//	invalid.go      on   non-numeric, non-finite, non-positive or off-tick price
//	ewma.go         off  z-score against a weighted mean and variance
//	stale.go        off  no update for factor × the typical interval
//	cusum.go        off  two-sided CUSUM of standardized returns
//	pagehinkley.go  off  Page-Hinkley test of standardized returns
//	mad.go          off  robust z-score with the median and MAD
//
// Shared pieces: set.go (the Set and checkpoints), config.go, table.go
// (per-instrument, per-attribute state and the tick rules), roll.go (rolling
// mean and variance), ewstats.go (weighted mean and variance) and format.go
// (reason texts and scores).
//
// # Ticks
//
// Detectors that compare a value with the previous one (jump and the
// return-based ones) keep the previous value per instrument and attribute:
// only upserts are ticks; a correction for the latest value replaces the
// previous value without being checked; a delete changes nothing; a null
// clears the previous value; strings, non-finite and non-positive values
// are never kept as the previous value. Ticks are taken in arrival order.
//
// # Rows
//
// Each finding names the instrument, the event time and source record of
// the event, the detector and attribute, the observed value, the expected
// one (usually the previous value), the detector's threshold, a score in
// [0, 1] (1 - threshold/x for a measure x past threshold: 0 at the
// threshold, 0.5 at twice it) and a short deterministic reason such as
// "price 91,500 is 31.3% above previous 69,700; threshold 5%".
//
// # Cost
//
// The Set numbers instruments in order of first sight and does one map
// lookup per event; detectors keep state in slices indexed by that number.
// State is allocated on an instrument's first event (ring buffers on its
// first return) and never freed; Observe allocates nothing otherwise, and
// formats a reason only for a finding.
package detectors
