package schemas

// DefaultInternLimit is the number of distinct strings an Interner keeps when
// no limit is given.
const DefaultInternLimit = 1 << 20

// Interner hands out one shared copy of each distinct string it is given, so
// that repeated instrument ids and attribute names cost one allocation in all.
// It keeps at most its limit of strings; beyond that, strings that are not
// already interned are allocated on each call, never refused.
//
// The zero Interner is ready to use with DefaultInternLimit. An Interner is not
// safe for concurrent use; use one per goroutine.
type Interner struct {
	m     map[string]string
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
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	if len(b) == 0 {
		return ""
	}
	return in.add(string(b))
}

// String returns the interned copy of s if there is one; else it interns s
// itself if the limit allows, and returns s.
func (in *Interner) String(s string) string {
	if t, ok := in.m[s]; ok {
		return t
	}
	if s == "" {
		return ""
	}
	return in.add(s)
}

func (in *Interner) add(s string) string {
	if in.m == nil {
		if in.limit <= 0 {
			in.limit = DefaultInternLimit
		}
		in.m = make(map[string]string)
	}
	if len(in.m) < in.limit {
		in.m[s] = s
	}
	return s
}
