package schemas

// DefaultInternLimit is the number of distinct strings an Interner keeps when
// no limit is given.
const DefaultInternLimit = 1 << 20

// Interner hands out one shared copy of each distinct string it is given, so
// that repeated instrument ids and attribute names cost one allocation in all,
// and a symbol for it: 1, 2, 3, ... in first-seen order, so that consumers can
// keep per-string state in slices instead of maps (see Event.Sym). It keeps at
// most its limit of strings; beyond that, strings that are not already
// interned are allocated on each call, never refused, and have symbol 0.
//
// The zero Interner is ready to use with DefaultInternLimit. An Interner is not
// safe for concurrent use; use one per goroutine.
type Interner struct {
	m     map[string]uint32 // string -> symbol
	strs  []string          // by symbol-1
	limit int
}

// NewInterner returns an Interner that keeps at most limit strings. A limit of
// zero or less means DefaultInternLimit.
func NewInterner(limit int) *Interner {
	in := &Interner{}
	in.SetLimit(limit)
	return in
}

// SetLimit changes the number of strings it keeps. A limit of zero or less
// means DefaultInternLimit. Strings already interned stay interned.
func (in *Interner) SetLimit(limit int) {
	if limit <= 0 {
		limit = DefaultInternLimit
	}
	in.limit = limit
}

// Len returns the number of strings interned.
func (in *Interner) Len() int { return len(in.m) }

// Bytes returns b as a string: the interned copy if there is one, else a new
// copy, which is interned if the limit allows. It does not retain b, and does
// not allocate when b is already interned.
func (in *Interner) Bytes(b []byte) string {
	s, _ := in.Symbol(b)
	return s
}

// Symbol is Bytes that also returns the string's symbol (0 when the limit
// kept it out, and for ""). It does not allocate when b is already interned.
func (in *Interner) Symbol(b []byte) (string, uint32) {
	if sym, ok := in.m[string(b)]; ok {
		return in.strs[sym-1], sym
	}
	if len(b) == 0 {
		return "", 0
	}
	return in.add(string(b))
}

// String returns the interned copy of s if there is one; else it interns s
// itself if the limit allows, and returns s.
func (in *Interner) String(s string) string {
	if sym, ok := in.m[s]; ok {
		return in.strs[sym-1]
	}
	if s == "" {
		return ""
	}
	s, _ = in.add(s)
	return s
}

func (in *Interner) add(s string) (string, uint32) {
	if in.m == nil {
		if in.limit <= 0 {
			in.limit = DefaultInternLimit
		}
		in.m = make(map[string]uint32)
	}
	if len(in.m) >= in.limit {
		return s, 0
	}
	in.strs = append(in.strs, s)
	sym := uint32(len(in.strs))
	in.m[s] = sym
	return s, sym
}
