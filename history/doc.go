// Package history keeps the histories of the instruments' reference
// attributes.
//
// Interval writes attr_history: one interval per (instrument, attribute)
// value. Layouts writes the history tables of the ten methods of the
// article series in history-layouts.md (per instance, attribute or
// attribute group; point or interval grain; snapshot or changed-only rows;
// values before or after a change), the corrections tables, the bitemporal
// table and periodic snapshots, all derived from one model: every fact the
// stream asserted, by valid time, per instrument (model.go). Spec.SQL ships
// the views and macros that answer the usual questions on any layout
// (<entity>_as_of, _current, _as_known, _changes, _attr_log).
package history
