package schemas

import (
	"hash/maphash"
	"math"
	"unsafe"
)

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
// It is an open-addressing table whose 32-byte entries hold strings of up to
// 19 bytes inline, so that a lookup of an id usually touches one cache line
// and follows no pointer. Symbols do not depend on the hash seed; nothing is
// iterated in table order.
//
// The zero Interner is ready to use with DefaultInternLimit. An Interner is not
// safe for concurrent use; use one per goroutine.
type Interner struct {
	tab   []ientry // length a power of two, at most 3/4 full; nil until the first string
	strs  []string // by symbol-1
	seed  maphash.Seed
	limit int
}

const inlineKey = 19

type ientry struct {
	hash uint64 // 0: empty
	sym  uint32
	n    uint8 // key length when inline, 0xff otherwise
	key  [inlineKey]byte
}

// NewInterner returns an Interner that keeps at most limit strings. A limit of
// zero or less means DefaultInternLimit.
func NewInterner(limit int) *Interner {
	in := &Interner{}
	in.SetLimit(limit)
	return in
}

// SetLimit changes the number of strings it keeps. A limit of zero or less
// means DefaultInternLimit; math.MaxInt keeps every string. Strings already
// interned stay interned.
func (in *Interner) SetLimit(limit int) {
	if limit <= 0 {
		limit = DefaultInternLimit
	}
	in.limit = limit
}

// Len returns the number of strings interned.
func (in *Interner) Len() int { return len(in.strs) }

// Strings returns the interned strings by symbol-1. The caller must not
// modify the slice.
func (in *Interner) Strings() []string { return in.strs }

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
	if len(b) == 0 {
		return "", 0
	}
	i, h, found := in.find(unsafe.String(unsafe.SliceData(b), len(b))) // find keeps nothing
	if found {
		sym := in.tab[i].sym
		return in.strs[sym-1], sym
	}
	return in.add(i, h, string(b))
}

// String returns the interned copy of s if there is one; else it interns s
// itself if the limit allows, and returns s.
func (in *Interner) String(s string) string {
	s, _ = in.StringSymbol(s)
	return s
}

// StringSymbol is String that also returns the string's symbol.
func (in *Interner) StringSymbol(s string) (string, uint32) {
	if s == "" {
		return "", 0
	}
	i, h, found := in.find(s)
	if found {
		sym := in.tab[i].sym
		return in.strs[sym-1], sym
	}
	return in.add(i, h, s)
}

// find returns the slot of s, or the empty slot where it would go.
func (in *Interner) find(s string) (i, h uint64, found bool) {
	if in.tab == nil {
		in.tab = make([]ientry, 64)
		in.seed = maphash.MakeSeed()
		if in.limit <= 0 {
			in.limit = DefaultInternLimit
		}
	}
	h = maphash.String(in.seed, s) | 1
	mask := uint64(len(in.tab) - 1)
	for i = h & mask; ; i = (i + 1) & mask {
		en := &in.tab[i]
		if en.hash == 0 {
			return i, h, false
		}
		if en.hash == h && in.equal(en, s) {
			return i, h, true
		}
	}
}

func (in *Interner) equal(en *ientry, s string) bool {
	if en.n != 0xff {
		return int(en.n) == len(s) && string(en.key[:en.n]) == s
	}
	return in.strs[en.sym-1] == s
}

// add interns s (a string the interner may keep) at the empty slot i.
func (in *Interner) add(i, h uint64, s string) (string, uint32) {
	if len(in.strs) >= in.limit || len(in.strs) >= math.MaxUint32-1 {
		return s, 0
	}
	in.strs = append(in.strs, s)
	sym := uint32(len(in.strs))
	in.put(i, h, sym, s)
	if 4*len(in.strs) > 3*len(in.tab) {
		in.rehash()
	}
	return s, sym
}

func (in *Interner) put(i, h uint64, sym uint32, s string) {
	en := &in.tab[i]
	en.hash, en.sym, en.n = h, sym, 0xff
	if len(s) <= inlineKey {
		en.n = uint8(len(s))
		copy(en.key[:], s)
	}
}

func (in *Interner) rehash() {
	old := in.tab
	in.tab = make([]ientry, 2*len(old))
	mask := uint64(len(in.tab) - 1)
	for k := range old {
		if old[k].hash == 0 {
			continue
		}
		i := old[k].hash & mask
		for in.tab[i].hash != 0 {
			i = (i + 1) & mask
		}
		in.tab[i] = old[k]
	}
}

// SizeBytes estimates the interner's memory.
func (in *Interner) SizeBytes() int {
	n := 32*len(in.tab) + 16*len(in.strs)
	for _, s := range in.strs {
		n += len(s)
	}
	return n
}
