package history

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"pricewatch/schemas"
)

// The property test: for random change streams with late changes,
// corrections and deletes, every method (in many of its variants) answers
// E_as_of(t) through the shipped macros exactly as a brute-force fold of the
// events does, for many t; E_as_known(t, k) likewise against the events
// recorded by k.

var propAttrs = DefaultAttributes()

// genStream returns a seeded random stream of entity events.
func genStream(seed uint64, n int) []schemas.Event {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	day := int64(24 * time.Hour / time.Microsecond)
	ids := []string{"A", "B", "C"}
	last := map[string]int64{}
	times := map[string][]int64{}
	var evs []schemas.Event
	for i := 0; i < n; i++ {
		id := ids[r.IntN(len(ids))]
		ev := schemas.Event{InstrumentID: id, Offset: int64(i)}
		switch x := r.IntN(100); {
		case x < 68:
			ev.Op = schemas.OpUpsert
		case x < 84:
			ev.Op = schemas.OpCorrect
		default:
			ev.Op = schemas.OpDelete
		}
		switch {
		case ev.Op == schemas.OpCorrect && len(times[id]) > 0 && r.IntN(4) > 0:
			ev.EventTime = times[id][r.IntN(len(times[id]))] // a time already recorded
		case r.IntN(5) == 0 && last[id] > 0:
			ev.EventTime = base + r.Int64N((last[id]-base)/day+1)*day // late, maybe at a recorded time
		default:
			ev.EventTime = last[id] + r.Int64N(3)*day
			if ev.EventTime < base {
				ev.EventTime = base + r.Int64N(3)*day
			}
		}
		if r.IntN(8) == 0 {
			ev.EventTime += r.Int64N(3) * int64(time.Hour/time.Microsecond)
		}
		if ev.EventTime > last[id] {
			last[id] = ev.EventTime
		}
		if !slices.Contains(times[id], ev.EventTime) {
			times[id] = append(times[id], ev.EventTime)
		}
		if r.IntN(3) == 0 {
			ev.RecordedAt, ev.HasRecordedAt = ev.EventTime+r.Int64N(5)*day-2*day, true
		}
		if ev.Op != schemas.OpDelete {
			k := 1 + r.IntN(3)
			for _, j := range r.Perm(len(propAttrs))[:k] {
				a := propAttrs[j]
				var v schemas.Value
				if r.IntN(6) > 0 {
					if a.Type == "number" {
						v = schemas.Value{Kind: schemas.KindNumber, Num: float64(100 * (1 + r.IntN(3)))}
					} else {
						v = schemas.Value{Kind: schemas.KindString, Str: string(rune('x' + r.IntN(3)))}
					}
				}
				ev.Attrs = append(ev.Attrs, schemas.Attr{Name: a.Name, Value: v})
			}
		}
		evs = append(evs, ev)
	}
	return evs
}

// recordedTimes applies the job's rule: recorded_at, else the event time,
// raised to 1µs after the instrument's previous recorded time.
func recordedTimes(evs []schemas.Event) []int64 {
	last := map[string]int64{}
	seen := map[string]bool{}
	out := make([]int64, len(evs))
	for i, ev := range evs {
		r := ev.EventTime
		if ev.HasRecordedAt {
			r = ev.RecordedAt
		}
		if seen[ev.InstrumentID] && r <= last[ev.InstrumentID] {
			r = last[ev.InstrumentID] + 1
		}
		seen[ev.InstrumentID], last[ev.InstrumentID] = true, r
		out[i] = r
	}
	return out
}

// refStates folds, per instrument, the events with event time <= t (and
// recorded time <= k), in event-time order and offset order within a time:
// the attribute values of every instrument that exists, by id.
func refStates(evs []schemas.Event, rec []int64, t, k int64, ignoreDel bool) map[string]map[string]schemas.Value {
	idx := make([]int, 0, len(evs))
	for i := range evs {
		if evs[i].EventTime <= t && rec[i] <= k {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return evs[idx[a]].EventTime < evs[idx[b]].EventTime })
	type st struct {
		exists bool
		vals   map[string]schemas.Value
	}
	state := map[string]*st{}
	for _, i := range idx {
		ev := &evs[i]
		s := state[ev.InstrumentID]
		if s == nil {
			s = &st{vals: map[string]schemas.Value{}}
			state[ev.InstrumentID] = s
		}
		if ev.Op == schemas.OpDelete {
			if !ignoreDel {
				s.exists, s.vals = false, map[string]schemas.Value{}
			}
			continue
		}
		s.exists = true
		for _, a := range ev.Attrs {
			s.vals[a.Name] = a.Value
		}
	}
	out := map[string]map[string]schemas.Value{}
	for id, s := range state {
		if s.exists {
			out[id] = s.vals
		}
	}
	return out
}

// refAsOf is the reference of E_as_of: one line per existing instrument.
func refAsOf(evs []schemas.Event, rec []int64, t, k int64, ignoreDel bool) []string {
	var out []string
	for id, vals := range refStates(evs, rec, t, k, ignoreDel) {
		cells := []string{id}
		for _, a := range propAttrs {
			v := vals[a.Name]
			switch v.Kind {
			case schemas.KindNumber:
				cells = append(cells, fmtCell(v.Num))
			case schemas.KindString:
				cells = append(cells, v.Str)
			default:
				cells = append(cells, "NULL")
			}
		}
		out = append(out, strings.Join(cells, " | "))
	}
	slices.Sort(out)
	return out
}

// refChanges is the reference of E_changes over all time: every attribute
// whose value (NULL while the instrument does not exist) differs at an
// event time from the one before it.
func refChanges(evs []schemas.Event, rec []int64, ignoreDel bool) []string {
	var times []int64
	for _, ev := range evs {
		times = append(times, ev.EventTime)
	}
	slices.Sort(times)
	times = slices.Compact(times)
	text := func(v schemas.Value) string {
		switch v.Kind {
		case schemas.KindNumber:
			return fmt.Sprintf("%.1f", v.Num)
		case schemas.KindString:
			return v.Str
		}
		return "NULL"
	}
	type change struct {
		id   string
		t    int64
		line string
	}
	var out []change
	prev := map[string]map[string]schemas.Value{}
	for _, t := range times {
		cur := refStates(evs, rec, t, 1<<62, ignoreDel)
		ids := map[string]bool{}
		for id := range cur {
			ids[id] = true
		}
		for id := range prev {
			ids[id] = true
		}
		for id := range ids {
			for _, a := range propAttrs {
				o, n := text(prev[id][a.Name]), text(cur[id][a.Name])
				if o != n {
					out = append(out, change{id, t, fmt.Sprintf("%s | %s | %s | %s | %s", id, a.Name, fmtCell(time.UnixMicro(t)), o, n)})
				}
			}
		}
		prev = cur
	}
	slices.SortStableFunc(out, func(a, b change) int {
		if c := strings.Compare(a.id, b.id); c != 0 {
			return c
		}
		if a.t != b.t {
			return cmpInt(a.t, b.t)
		}
		return strings.Compare(a.line, b.line)
	})
	lines := make([]string, len(out))
	for i, c := range out {
		lines[i] = c.line
	}
	return lines
}

// propVariants lists the configs tested: each method over units covering
// every attribute, in the variants its options allow.
func propVariants(method int) []string {
	units := map[int][]string{
		1: {""}, 2: {""}, 6: {""}, 7: {""},
		3: {"attributes: [kr_short_name, en_short_name, shares_issued, issue_date, issue_price, par_value, base_price]"},
		4: {"group: strs", "group: nums"}, 5: {"group: strs", "group: nums"},
		8: {"group: name", "group: misc", "group: price"}, 9: {"group: name", "group: misc", "group: price"},
		10: {"group: name", "group: misc", "group: price"},
	}[method]
	grains := []string{"point", "interval"}
	if method == 6 || method == 7 {
		grains = []string{"point"}
	}
	rows := []string{"snapshot"}
	if slices.Contains([]int{1, 2, 8, 9, 10}, method) {
		rows = append(rows, "changed")
	}
	values := []string{""}
	if slices.Contains([]int{2, 3, 5, 8, 10}, method) {
		values = []string{"before", "after"}
	}
	var out []string
	n := 0
	for _, g := range grains {
		for _, r := range rows {
			for _, v := range values {
				dels := []string{"ignore", "row"}
				if !(v == "after" || slices.Contains([]int{1, 4, 9}, method)) || g == "interval" {
					dels = append(dels, "close")
				}
				// Every combination of grain, rows and values; delete handling
				// and corrections rotate.
				for _, d := range []string{dels[(n+method)%len(dels)]} {
					corr := []string{"overwrite", "table", "kind"}[(n+method/3)%3]
					n++
					var b strings.Builder
					if method == 4 || method == 5 {
						b.WriteString(`history:
  groups:
    - {name: strs, attributes: [kr_short_name, en_short_name, issue_date]}
    - {name: nums, attributes: [shares_issued, issue_price, par_value, base_price]}
  tables:
`)
					} else {
						b.WriteString(`history:
  groups:
    - {name: name, attributes: [kr_short_name, en_short_name]}
    - {name: misc, attributes: [shares_issued, issue_date]}
    - {name: price, attributes: [issue_price, par_value, base_price]}
  tables:
`)
					}
					for _, u := range units {
						fmt.Fprintf(&b, "    - method: %d\n      grain: %s\n      rows: %s\n      deletes: %s\n      corrections: %s\n", method, g, r, d, corr)
						if v != "" {
							fmt.Fprintf(&b, "      values: %s\n", v)
						}
						if u != "" {
							fmt.Fprintf(&b, "      %s\n", u)
						}
					}
					out = append(out, b.String())
				}
			}
		}
	}
	return out
}

func TestPropertyAsOfMatchesReference(t *testing.T) {
	// HISTORY_PROP_SEEDS=n runs n seeds per variant (default 2; 1 with -short).
	n := 2
	if testing.Short() {
		n = 1
	}
	if v, err := strconv.Atoi(os.Getenv("HISTORY_PROP_SEEDS")); err == nil && v > 0 {
		n = v
	}
	var seeds []uint64
	for i := 1; i <= n; i++ {
		seeds = append(seeds, uint64(i))
	}
	for method := 1; method <= 10; method++ {
		for vi, cfg := range propVariants(method) {
			for _, seed := range seeds {
				seed := seed*1000 + uint64(method*10+vi)
				name := fmt.Sprintf("method%02d/variant%02d/seed%d", method, vi, seed)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					checkVariant(t, cfg, seed, vi == 0)
				})
			}
		}
	}
}

// checkVariant runs a random stream through one config, restoring the
// layouts from a checkpoint halfway, and compares E_as_of and E_as_known
// with the reference.
func checkVariant(t *testing.T, cfg string, seed uint64, known bool) {
	s := parseSpec(t, cfg)
	n := 90
	if v, err := strconv.Atoi(os.Getenv("HISTORY_PROP_EVENTS")); err == nil && v > 60 {
		n = v // HISTORY_PROP_EVENTS=n: longer streams
	}
	evs := genStream(seed, n)
	rec := recordedTimes(evs)
	st := openStore(t, s)
	h, err := NewLayouts(s)
	if err != nil {
		t.Fatal(err)
	}
	from := int64(0)
	for i := range evs {
		h.Process(&evs[i])
		if i%15 == 14 || i == len(evs)-1 {
			st.commit(h, from, evs[i].Offset)
			from = evs[i].Offset + 1
			if i == 44 { // restore from the checkpoint
				b, err := h.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				h2, _ := NewLayouts(s)
				if err := h2.UnmarshalBinary(b); err != nil {
					t.Fatal(err)
				}
				h = h2
			}
		}
	}
	ignore := s.Layouts[0].Deletes == "ignore"
	var ts []int64
	for _, ev := range evs {
		ts = append(ts, ev.EventTime-1, ev.EventTime, ev.EventTime+1)
	}
	slices.Sort(ts)
	ts = slices.Compact(ts)
	ts = append(ts, ts[len(ts)-1]+1e9)
	// One lateral query over every t.
	got := st.asOfMany("instrument_as_of", ts, nil)
	bad := 0
	for _, tt := range ts {
		want := refAsOf(evs, rec, tt, 1<<62, ignore)
		if !slices.Equal(got[tt], want) {
			equalLines(t, fmt.Sprintf("instrument_as_of(%s)", ts2s(tt)), got[tt], want)
			if bad++; bad > 3 {
				break
			}
		}
	}
	if bad > 0 {
		t.Fatalf("config:\n%s", cfg)
	}
	// E_current is the state after every change.
	equalLines(t, "instrument_current", st.query("SELECT * FROM instrument_current"), refAsOf(evs, rec, 1<<62, 1<<62, ignore))
	// E_changes over all time: every change of every attribute.
	equalLines(t, "instrument_changes", st.query("SELECT * FROM instrument_changes('-infinity', 'infinity')"), refChanges(evs, rec, ignore))
	if t.Failed() {
		t.Fatalf("config:\n%s", cfg)
	}
	if !known {
		return
	}
	// E_as_known against the events recorded by k (deletes always apply).
	ks := slices.Clone(rec)
	slices.Sort(ks)
	ks = slices.Compact(ks)
	for i, k := range ks {
		if i%4 != 0 {
			continue
		}
		got := st.asOfMany("instrument_as_known", ts, &k)
		for _, tt := range ts {
			want := refAsOf(evs, rec, tt, k, false)
			if !slices.Equal(got[tt], want) {
				equalLines(t, fmt.Sprintf("instrument_as_known(%s, %s)", ts2s(tt), ts2s(k)), got[tt], want)
				t.Fatalf("config:\n%s", cfg)
			}
		}
	}
}

// asOfMany calls a shipped macro laterally for every t (and k, when given)
// and returns its rows by t.
func (s *store) asOfMany(macro string, ts []int64, k *int64) map[int64][]string {
	s.t.Helper()
	var vals []string
	for _, t := range ts {
		vals = append(vals, fmt.Sprintf("(%d, TIMESTAMP '%s')", t, ts2s(t)))
	}
	call := macro + "(d.t)"
	if k != nil {
		call = fmt.Sprintf("%s(d.t, TIMESTAMP '%s')", macro, ts2s(*k))
	}
	rows := s.query(fmt.Sprintf("SELECT d.us, x.* FROM (VALUES %s) d(us, t), %s x ORDER BY d.us, x.instrument_id", strings.Join(vals, ", "), call))
	out := map[int64][]string{}
	for _, r := range rows {
		us, rest, _ := strings.Cut(r, " | ")
		var v int64
		fmt.Sscan(us, &v)
		out[v] = append(out[v], rest)
	}
	return out
}

// ts2s formats microseconds as a TIMESTAMP literal.
func ts2s(us int64) string { return time.UnixMicro(us).UTC().Format("2006-01-02 15:04:05.000000") }
