package windows

import (
	"hash/maphash"
	"strings"
)

// interner maps instrument ids to dense indices 0, 1, 2, ... in first-seen
// order. It is an open-addressing table whose 32-byte entries hold ids of up
// to 19 bytes inline, so a lookup usually touches one cache line and never
// follows a pointer. Indices do not depend on the hash seed; nothing is ever
// iterated in table order.
type interner struct {
	tab   []ientry // length is a power of two, at most 3/4 full
	names []string // by index
	seed  maphash.Seed
}

const inlineKey = 19

type ientry struct {
	hash uint64 // 0: empty
	idx  int32
	n    uint8 // key length when inline, 0xff otherwise
	key  [inlineKey]byte
}

func newInterner() interner {
	return interner{tab: make([]ientry, 64), seed: maphash.MakeSeed()}
}

// index returns the index of id and whether it was new.
func (t *interner) index(id string) (int32, bool) {
	h := maphash.String(t.seed, id) | 1
	mask := uint64(len(t.tab) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		en := &t.tab[i]
		if en.hash == 0 {
			return t.insert(i, h, id), true
		}
		if en.hash == h && t.equal(en, id) {
			return en.idx, false
		}
	}
}

func (t *interner) equal(en *ientry, id string) bool {
	if en.n != 0xff {
		return int(en.n) == len(id) && string(en.key[:en.n]) == id
	}
	return t.names[en.idx] == id
}

func (t *interner) insert(i, h uint64, id string) int32 {
	s := strings.Clone(id)
	idx := int32(len(t.names))
	t.names = append(t.names, s)
	t.put(i, h, idx, s)
	if 4*len(t.names) > 3*len(t.tab) {
		t.rehash()
	}
	return idx
}

func (t *interner) put(i, h uint64, idx int32, s string) {
	en := &t.tab[i]
	en.hash, en.idx, en.n = h, idx, 0xff
	if len(s) <= inlineKey {
		en.n = uint8(len(s))
		copy(en.key[:], s)
	}
}

func (t *interner) rehash() {
	old := t.tab
	t.tab = make([]ientry, 2*len(old))
	mask := uint64(len(t.tab) - 1)
	for k := range old {
		if old[k].hash == 0 {
			continue
		}
		i := old[k].hash & mask
		for t.tab[i].hash != 0 {
			i = (i + 1) & mask
		}
		t.tab[i] = old[k]
	}
}

// bytes estimates the interner's memory.
func (t *interner) bytes() int {
	n := 32*len(t.tab) + 16*len(t.names)
	for _, s := range t.names {
		n += len(s)
	}
	return n
}
