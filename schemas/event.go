package schemas

// Op is what an input event does to the instrument's state.
type Op uint8

const (
	// OpUpsert is a plain change (the default when "op" is absent).
	OpUpsert Op = iota
	// OpCorrect fixes a wrongly recorded value for an effective time already recorded.
	OpCorrect
	// OpDelete removes the instrument.
	OpDelete
	// OpHeartbeat carries no change: it says that the partition's event time
	// has reached EventTime, so that windows close while no instrument
	// trades. It has no instrument and no attributes. `pricewatch run` with
	// windows.idle_timeout writes heartbeats into a quiet partition of the
	// input topic; an upstream feed may write them too.
	OpHeartbeat
)

// String returns the op's name as it is written in input events.
func (o Op) String() string {
	switch o {
	case OpCorrect:
		return "correct"
	case OpDelete:
		return "delete"
	case OpHeartbeat:
		return "heartbeat"
	default:
		return "upsert"
	}
}

// Kind is the type of an attribute value.
type Kind uint8

const (
	// KindNull is an explicit JSON null: the attribute is cleared.
	KindNull Kind = iota
	// KindNumber is a finite or non-finite float64 (JSON numbers).
	KindNumber
	// KindString is a string.
	KindString
)

// Value is one attribute value. Its zero value is a null.
type Value struct {
	Kind Kind
	Num  float64
	Str  string
}

// Equal reports whether two values are the same value.
func (v Value) Equal(w Value) bool {
	if v.Kind != w.Kind {
		return false
	}
	switch v.Kind {
	case KindNumber:
		return v.Num == w.Num
	case KindString:
		return v.Str == w.Str
	}
	return true
}

// Attr is one attribute of an event: a name (interned) and its value.
type Attr struct {
	Name  string
	Value Value
}

// Event is one decoded input record. Event times are microseconds since the
// Unix epoch, UTC. Partition and Offset say where the record came from: a Kafka
// partition and offset, or the same pair assigned to a file line by the
// backfill partitioner.
//
// An Event is not safe for concurrent use; decoders reuse its Attrs slice.
type Event struct {
	InstrumentID string
	// Sym is a hint for consumers that keep per-instrument state: the
	// decoder's symbol for InstrumentID (1, 2, 3, ... in first-seen order,
	// see Interner), or 0 for none. The same decoder gives an id the same
	// symbol for its whole life; a consumer that indexes state by Sym must
	// still check that the state belongs to InstrumentID.
	Sym       uint32
	EventTime int64
	Seq       int64
	HasSeq    bool
	Op        Op
	// RecordedAt is when the fact was recorded (the optional "recorded_at"
	// meta field; microseconds, UTC), the transaction time of bitemporal
	// history. HasRecordedAt is false when the event does not carry it.
	RecordedAt    int64
	HasRecordedAt bool
	Attrs         []Attr
	Partition     int32
	Offset        int64
}

// Attr returns the value of the named attribute and whether the event carries it.
func (e *Event) Attr(name string) (Value, bool) {
	for i := range e.Attrs {
		if e.Attrs[i].Name == name {
			return e.Attrs[i].Value, true
		}
	}
	return Value{}, false
}

// Num returns the named attribute as a number, and false when the event does
// not carry it as a number.
func (e *Event) Num(name string) (float64, bool) {
	for i := range e.Attrs {
		if e.Attrs[i].Name == name && e.Attrs[i].Value.Kind == KindNumber {
			return e.Attrs[i].Value.Num, true
		}
	}
	return 0, false
}
