// Package windows groups price-change events into event-time windows, one
// Engine per lane (Kafka partition).
//
// # Clock
//
// Event times are microseconds since the Unix epoch, UTC. A lane's watermark
// is the max event time it has processed minus out_of_orderness; it only moves
// forward and is math.MinInt64 before the first event. Nothing reads the wall
// clock, iterates a map for output, or draws random numbers: a lane's output
// is a function of its events in offset order and the Spec, and a replay
// gives the same rows. Engine.Admit bounds event times against the lane clock
// (max_future) before Process sees them. Engine.Heartbeat moves the clock as
// an event would without folding anything: a quiet partition's heartbeat
// records (schemas.OpHeartbeat) close its windows, and since they are records
// of the input log, a replay closes them at the same offsets.
//
// # Windows
//
// Windows are half-open [start, end). They are aligned to the Unix epoch read
// as local time in the configured timezone (1970-01-01T00:00 local): sub-day
// sizes follow that 1970 UTC offset (Asia/Kolkata hourly windows start at :30
// UTC), and sizes that are whole days, in a zone other than UTC, are local
// calendar days starting at local midnight (Asia/Seoul daily windows start at
// 15:00 UTC; across a DST change such a window lasts 23h or 25h). Hopping
// slides follow the same rule; a hopping window is size/slide slide-sized
// panes, each event is folded into one pane, and panes are merged when a row
// is emitted.
//
// A session of an (instrument, attribute) runs while its events are less than
// gap apart; its window is [first event, last event + gap). An out-of-order
// event merges every session its [t, t+gap) overlaps.
//
// Every configured attribute the event carries as a number is aggregated on
// its own; strings and nulls are ignored. Non-finite numbers are aggregated
// with IEEE arithmetic. Corrections (Op "correct") are treated as ordinary
// observations at their event time.
//
// # Rows
//
// A window is emitted (Revision 0) when the watermark reaches its end and it
// holds data. An event for a closed window that is still within the allowed
// lateness (end + allowed_lateness > watermark) updates it, counts in
// LateUpdates and re-emits it at once with Revision+1; a window that closed
// empty and receives such an event is emitted with Revision 0 and LateUpdates
// 1. An event beyond the allowed lateness becomes one LateEvent per
// (attribute, configured window) it missed; for a hopping spec the row names
// the latest window it missed and the reason counts the earlier ones, and for
// a session spec it names [t, t+gap). Events outside years 0001-9999 become
// LateEvents too and do not move the clock.
//
// For sessions, a late event may reopen a closed session (its end moves past
// the watermark) or join closed sessions; the merged session carries the
// highest Revision of its parts and emits with Revision+1. Its bounds may
// differ from the rows emitted before, which consumers should treat as
// superseded by overlapping rows of a higher revision.
//
// With early_interval > 0, each time the watermark crosses a multiple of it
// (aligned to the same origin; the lane's first event crosses nothing), every
// open window that received an event since the previous crossing emits a row
// with Early true. Early rows do not increment Revision: they carry the
// Revision of the final row they anticipate (0, or for a reopened session the
// next revision).
//
// Rows emitted by one Process or Flush call are sorted by (WindowEnd,
// WindowStart, InstrumentID, Attribute, WindowKind) and carry the source
// partition and offset of the event (or of the Flush call). LateEvents of an
// event come in attribute order, then tumbling, hopping and session specs in
// config order.
//
// # State
//
// Engine.MarshalBinary/AppendBinary/UnmarshalBinary checkpoint the full state
// in a binary form (state_codec.go; gob checkpoints of earlier versions still
// load); a restored engine continues exactly as the original would. Instruments are
// interned to dense indices (at most 2^31/len(attributes) per lane).
package windows
