// Package detectors checks price-change events for anomalies, one lane
// (Kafka partition) at a time.
//
// # Tour
//
// A [Set] holds every enabled detector of one lane, built from the
// `detectors:` section of the job config ([Config], [DefaultConfig],
// [Config.Validate]). The lane calls [Set.Observe] with each event in
// offset order and its watermark, [Set.ObserveBar] with each window bar the
// window engine emits, and [Set.FlushBars] after the bars of each event (and
// after the end-of-input flush); findings are appended to a caller-owned
// []schemas.Anomaly. [Set.MarshalBinary] and [Set.UnmarshalBinary]
// checkpoint and restore the whole state; restoring and continuing gives
// the rows of an uninterrupted run. Results are a pure function of the
// input: no wall clock, no map iteration, no randomness, no look-ahead
// (an event is scored against the events before it only).
//
// Each detector is a file implementing the unexported detector interface:
//
//	jump.go          on   relative change from the previous value
//	zscore.go        on   z-score of a log return against a rolling window
//	limitband.go     on   price outside ±band of the latest base price
//	sequence.go      on   gaps, duplicates and regressions of Event.Seq
//	invalid.go       on   non-numeric, non-finite, non-positive or off-tick price
//	ewma.go          off  z-score against a weighted mean and variance
//	stale.go         off  no update for factor × the typical interval
//	cusum.go         off  two-sided CUSUM of standardized returns
//	pagehinkley.go   off  Page-Hinkley test of standardized returns
//	mad.go           off  robust z-score with the median and MAD
//	burst.go         off  a window's event count or volume far above the
//	                      instrument's baseline (window bars)
//	crosssection.go  off  a window's return far from the median return of
//	                      the lane's (or the group's) instruments (window bars)
//	ensemble.go      off  rows from the combined score of the per-event
//	                      detectors (the score itself is always available)
//
// Shared pieces: set.go (the Set, scores and checkpoints), config.go (the
// sections and instrument groups), table.go (per-instrument, per-attribute
// state and the tick rules), bars.go (series of window bars), roll.go
// (rolling mean and variance), ewstats.go (weighted mean and variance, and
// the typical move) and format.go (reason texts and scores).
//
// # Groups
//
// Config.Groups tune detectors for groups of instruments named by id or id
// prefix, e.g. a higher jump threshold for one market segment; an
// instrument takes the settings of the first group that matches it. The
// Set resolves an instrument's group once, on its first event, and passes
// the group's index to the detectors, which keep one copy of their settings
// per group: groups cost nothing per event.
//
// # Warm-ups and cooldowns
//
// Detectors that learn a baseline score nothing until it holds enough
// history (min_events, warmup). Every detector that can fire on event
// after event has a cooldown: after a row, that many checks of the same
// instrument (and attribute) give no row, so one disturbance gives one row
// rather than a flood. The invalid detector has none (each bad value is
// its own finding), and stale fires once per gap.
//
// # Return-based detectors on a tick grid
//
// zscore, ewma, cusum, page_hinkley and mad score log returns (change: log)
// or differences (change: diff, for series that may be zero or negative).
// Prices move on a tick grid, and an instrument that seldom moves has a
// tiny sample sd, so one-tick moves would look like outliers; these
// detectors floor their sd at min_stddev_move × the instrument's typical
// move (about one tick) and score nothing until it has moved once.
//
// # Scores
//
// [Set.Scorer] gives the score in [0, 1] of each event by any per-event
// detector, or by the ensemble of them, whether or not a row was emitted:
// [Calibrate] of the detector's measure over its threshold, r²/(1+r²), so
// 0.5 exactly at the threshold. `pricewatch detect` writes it for every
// row of a series.
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
// A window-level finding (burst, cross_section) names the window start as
// its EventTime and carries the source of its bar: the event whose
// processing closed the window.
//
// # Cost
//
// The Set numbers instruments in order of first sight and does one map
// lookup per event; detectors keep state in slices indexed by that number.
// State is allocated on an instrument's first event (ring buffers on its
// first return) and never freed; Observe allocates nothing otherwise, and
// formats a reason only for a finding. The window-level detectors do O(1)
// work per bar, plus a sort of the window's returns for cross_section
// (O(log n) per bar for n instruments in the window), and keep state per
// instrument and window spec.
package detectors
