package schemas

// The row types below are what the pipeline stages emit, one struct per output
// table. Stages append them to caller-owned slices; the sinks turn a batch of
// them into one Arrow record (see tables.go) for Parquet and DuckDB alike.
// Times are microseconds since the Unix epoch, UTC. SrcPartition/SrcOffset name
// the input record whose processing emitted the row.

// WindowBar is one window result for an (instrument, attribute).
type WindowBar struct {
	InstrumentID string
	Attribute    string
	WindowKind   string // "tumbling", "hopping" or "session"
	WindowStart  int64
	WindowEnd    int64
	Open         float64
	High         float64
	Low          float64
	Close        float64
	Count        int64
	Sum          float64
	Mean         float64
	Variance     float64 // population variance (Welford); 0 for one value
	Volume       float64 // sum of the volume attribute, when one is configured
	VWAP         float64
	HasVWAP      bool // false when no volume was seen: VWAP is NULL
	FirstTime    int64
	LastTime     int64
	LateUpdates  int64 // late events folded in after the window first closed
	Revision     int32 // 0 for the first result, +1 for each update
	Early        bool  // a speculative result emitted before the window closed
	SrcPartition int32
	SrcOffset    int64
}

// LateEvent is an event that arrived after a window it belongs to had closed
// for good (beyond the allowed lateness): the window it missed, by kind
// ("tumbling", "hopping", "session"; "" for a time no window can hold) and
// bounds.
type LateEvent struct {
	InstrumentID string
	Attribute    string
	WindowKind   string
	EventTime    int64
	Value        float64
	WindowStart  int64
	WindowEnd    int64
	Watermark    int64
	Reason       string
	SrcPartition int32
	SrcOffset    int64
}

// Anomaly is one detector finding, explained.
type Anomaly struct {
	InstrumentID string
	EventTime    int64
	Detector     string
	Attribute    string
	Observed     float64
	Expected     float64
	Threshold    float64
	Score        float64 // in [0,1]
	Reason       string
	SrcPartition int32
	SrcOffset    int64
}

// DeadLetter is an input record that could not be used, with the reason.
type DeadLetter struct {
	SrcPartition int32
	SrcOffset    int64
	Raw          []byte
	Reason       string
}

// HistoryRow is one interval of one attribute's value for an instrument
// (table attr_history). The key is (InstrumentID, Attribute, ValidFrom). A row
// is re-emitted when its interval changes (a later change closes it, a late
// change splits it); the version with the highest EmitOffset wins.
type HistoryRow struct {
	InstrumentID string
	Attribute    string
	Value        Value
	ValidFrom    int64
	ValidTo      int64
	Open         bool // ValidTo is unknown: the current value
	Op           Op
	ChangeSeq    int64 // the change's ordinal for this (instrument, attribute), from 1
	SrcPartition int32
	SrcOffset    int64 // the record that made the change
	EmitOffset   int64 // the record whose processing emitted this version
}
