package windows

import (
	"cmp"
	"slices"
	"strings"

	"pricewatch/schemas"
)

// The bars of one Process or Flush call are sorted by (WindowEnd,
// WindowStart, InstrumentID, Attribute, WindowKind), so that outputs do not
// depend on the order in which windows closed. Names are compared through
// their ranks, packed with the kind into one integer; a call with enough
// bars packs its (end, start) pairs' ranks on top and sorts by radix.

// barKey is a bar's sort key: (end, start, instrument, attribute, kind).
type barKey struct {
	end, start int64
	slot       int32
	kind       int32
}

// kindRank orders window kinds by name.
func kindRank(kind string) int32 {
	switch kind {
	case kindHopping:
		return 0
	case kindSession:
		return 1
	}
	return 2 // kindTumbling
}

const (
	// radixMin is the fewest bars sorted by radix; fewer are compared.
	radixMin = 64
	// pairBits of a radix key rank the call's (end, start) pairs: at most
	// 1<<pairBits of them, else the bars are compared.
	pairBits = 6
	// rankBits bound the instrument ranks that fit under the pair rank:
	// names take rankBits+34 bits.
	rankBits = 64 - pairBits - 34
)

// sortEntry is a bar's position and its key: names (instrument, attribute
// and kind ranks), under the rank of its (end, start) pair when sorting by
// radix.
type sortEntry struct {
	key uint64
	i   int32
}

type timePair struct{ end, start int64 }

// barSorter is sortBars' scratch, reused from call to call.
type barSorter struct {
	entries, spare []sortEntry
	pairs          []timePair
}

// sortBars sorts rows, the bars appended since begin; e.keys holds their
// keys. Each row moves once.
func (e *Engine) sortBars(rows []schemas.WindowBar) {
	e.rankInstruments()
	s := &e.sort
	keys := e.keys[:len(rows)]
	s.entries = s.entries[:0]
	if len(rows) >= radixMin && e.ranked <= 1<<rankBits && s.rankPairs(keys) {
		for i := range keys {
			k := &keys[i]
			s.entries = append(s.entries, sortEntry{key: s.pairRank(k)<<(64-pairBits) | e.names(k), i: int32(i)})
		}
		s.radix()
	} else {
		for i := range keys {
			s.entries = append(s.entries, sortEntry{key: e.names(&keys[i]), i: int32(i)})
		}
		slices.SortFunc(s.entries, func(a, b sortEntry) int {
			ka, kb := &keys[a.i], &keys[b.i]
			if ka.end != kb.end {
				return cmp.Compare(ka.end, kb.end)
			}
			if ka.start != kb.start {
				return cmp.Compare(ka.start, kb.start)
			}
			if a.key != b.key {
				return cmp.Compare(a.key, b.key)
			}
			return cmp.Compare(a.i, b.i)
		})
	}
	permute(rows, s.entries)
}

// names packs a bar's instrument, attribute and kind ranks.
func (e *Engine) names(k *barKey) uint64 {
	return uint64(e.rank[k.slot/e.nA])<<34 | uint64(e.attrRank[k.slot%e.nA])<<2 | uint64(k.kind)
}

// rankPairs collects the distinct (end, start) pairs of keys, sorted; false
// when there are more than fit in pairBits.
func (s *barSorter) rankPairs(keys []barKey) bool {
	s.pairs = s.pairs[:0]
	for i := range keys {
		p := timePair{keys[i].end, keys[i].start}
		if n := len(s.pairs); n > 0 && s.pairs[n-1] == p || slices.Contains(s.pairs, p) {
			continue
		}
		if len(s.pairs) == 1<<pairBits {
			return false
		}
		s.pairs = append(s.pairs, p)
	}
	slices.SortFunc(s.pairs, comparePairs)
	return true
}

func comparePairs(a, b timePair) int {
	if a.end != b.end {
		return cmp.Compare(a.end, b.end)
	}
	return cmp.Compare(a.start, b.start)
}

// pairRank returns the rank of k's (end, start) among the collected pairs.
func (s *barSorter) pairRank(k *barKey) uint64 {
	r, _ := slices.BinarySearchFunc(s.pairs, timePair{k.end, k.start}, comparePairs)
	return uint64(r)
}

// radix sorts the entries by key, stably (ties stay in position order), one
// pass per key byte that is not the same in all of them.
func (s *barSorter) radix() {
	es := s.entries
	var diff uint64
	for _, e := range es {
		diff |= e.key ^ es[0].key
	}
	s.spare = slices.Grow(s.spare[:0], len(es))[:len(es)]
	src, dst := es, s.spare
	for shift := 0; shift < 64; shift += 8 {
		if byte(diff>>shift) == 0 {
			continue
		}
		var at [256]int
		for _, e := range src {
			at[byte(e.key>>shift)]++
		}
		pos := 0
		for b, n := range at {
			at[b] = pos
			pos += n
		}
		for _, e := range src {
			b := byte(e.key >> shift)
			dst[at[b]] = e
			at[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &es[0] {
		copy(es, src)
	}
}

// permute reorders rows so that row j becomes the one at order[j].i,
// following each cycle of the permutation with one row aside; it marks the
// entries it placed with -1.
func permute(rows []schemas.WindowBar, order []sortEntry) {
	for j := range order {
		if order[j].i < 0 {
			continue
		}
		if int(order[j].i) == j {
			order[j].i = -1
			continue
		}
		aside, k := rows[j], j
		for {
			from := int(order[k].i)
			order[k].i = -1
			if from == j {
				rows[k] = aside
				break
			}
			rows[k] = rows[from]
			k = from
		}
	}
}

// rankInstruments ranks the instruments by id, when some are new.
func (e *Engine) rankInstruments() {
	names := e.in.Strings()
	if e.ranked == len(names) {
		return
	}
	byName := make([]int32, len(names))
	for i := range byName {
		byName[i] = int32(i)
	}
	slices.SortFunc(byName, func(a, b int32) int { return strings.Compare(names[a], names[b]) })
	e.rank = slices.Grow(e.rank[:0], len(names))[:len(names)]
	for r, i := range byName {
		e.rank[i] = int32(r)
	}
	e.ranked = len(names)
}
