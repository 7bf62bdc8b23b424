package schemas

import "unsafe"

// maxSym bounds the symbols a SymIndex keeps; events with larger ones are
// looked up by id every time.
const maxSym = 1 << 24

// SymIndex remembers, by Event.Sym, which dense index a consumer gave an
// event's instrument, so that a consumer with per-instrument state finds it
// without hashing the id. A symbol is only a hint: Get checks that the index
// was stored for the same id, so events from different decoders, or with no
// symbol, are merely slower. The zero SymIndex is empty and ready to use. Not
// safe for concurrent use.
type SymIndex struct {
	s []symEntry
}

type symEntry struct {
	id string // the id as the event carried it (the decoder's interned copy)
	ix int32  // the consumer's index + 1; 0: none
}

// Get returns the index stored for ev's symbol, when it was stored for ev's
// instrument id.
func (x *SymIndex) Get(ev *Event) (int32, bool) {
	if ev.Sym >= uint32(len(x.s)) {
		return 0, false
	}
	en := &x.s[ev.Sym]
	if en.ix == 0 || !SameString(en.id, ev.InstrumentID) {
		return 0, false
	}
	return en.ix - 1, true
}

// Put stores ix for ev's symbol and instrument id (nothing when ev has no
// symbol).
func (x *SymIndex) Put(ev *Event, ix int32) {
	s := ev.Sym
	if s == 0 || s >= maxSym {
		return
	}
	for uint32(len(x.s)) <= s {
		x.s = append(x.s, symEntry{})
	}
	x.s[s] = symEntry{id: ev.InstrumentID, ix: ix + 1}
}

// Reset forgets every symbol.
func (x *SymIndex) Reset() { x.s = x.s[:0] }

// Bytes estimates the index's memory.
func (x *SymIndex) Bytes() int { return 24 * cap(x.s) }

// SameString reports whether a == b, quickly when both are the same interned
// copy.
func SameString(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}
