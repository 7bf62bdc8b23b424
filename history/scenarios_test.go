package history

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"pricewatch/schemas"
)

func specOf(t *testing.T, yaml string) Spec {
	t.Helper()
	return parseSpec(t, "history:\n"+yaml)
}

const created = `{"instrument_id":"1000","event_time":"2025-12-31","kr_short_name":"홍길동사","en_short_name":"HONG","shares_issued":100,"issue_date":"2025-12-31","issue_price":6000,"par_value":5000,"base_price":16000}
{"instrument_id":"1000","event_time":"2026-01-15","base_price":17000}
`

// A correction of the base price of 2025-12-31 (it was 16500, not 16000),
// recorded on 2026-01-16, in the three treatments of the article.
const correctionOfPast = created + `{"instrument_id":"1000","event_time":"2025-12-31","op":"correct","base_price":16500,"recorded_at":"2026-01-16"}
`

func TestCorrectionTreatments(t *testing.T) {
	evs := parseEvents(t, correctionOfPast)
	for _, tc := range []struct {
		corr  string
		query string
		want  []string
	}{
		{"overwrite", "SELECT changed_at, base_price, op FROM instrument_price_hist ORDER BY changed_at",
			[]string{"2026-01-15 | 16500 | upsert"}},
		{"table", "SELECT changed_at, base_price, op, corrected_at, corrected_by FROM instrument_price_hist_corr",
			[]string{"2026-01-15 | 16000 | upsert | 2026-01-16 | 2"}},
		{"kind", "SELECT changed_at, change_kind, base_price FROM instrument_price_hist ORDER BY changed_at, change_kind",
			[]string{"2026-01-15 | change | 16500", "2026-01-15 | correct | 16000"}},
	} {
		t.Run(tc.corr, func(t *testing.T) {
			st := openStore(t, specOf(t, "  tables:\n    - {method: 8, group: price, corrections: "+tc.corr+"}\n"))
			st.run(evs, 1)
			equalLines(t, tc.query, st.query(tc.query), tc.want)
			if tc.corr == "table" {
				equalLines(t, "main table", st.query("SELECT changed_at, base_price FROM instrument_price_hist"), []string{"2026-01-15 | 16500"})
			}
			// Every treatment answers with the corrected facts.
			equalLines(t, "as_of", st.query("SELECT base_price FROM instrument_as_of('2026-01-01')"), []string{"16500"})
			equalLines(t, "current", st.query("SELECT base_price FROM instrument_current"), []string{"17000"})
			// Bitemporal: on 2026-01-15 we believed 16000 for 2026-01-01.
			equalLines(t, "known 01-15", st.query("SELECT base_price FROM instrument_as_known('2026-01-01', '2026-01-15')"), []string{"16000"})
			equalLines(t, "known 01-16", st.query("SELECT base_price FROM instrument_as_known('2026-01-01', '2026-01-16')"), []string{"16500"})
		})
	}
}

// A correction of the value recorded for 2026-01-15 itself, with values
// after (method 9): the wrong row is kept per treatment; the bitemporal row
// is closed and the right one inserted.
func TestCorrectionOfLatestChange(t *testing.T) {
	evs := parseEvents(t, created+`{"instrument_id":"1000","event_time":"2026-01-15","op":"correct","base_price":17500}
`)
	for _, tc := range []struct {
		corr  string
		query string
		want  []string
	}{
		{"overwrite", "SELECT changed_at, base_price, op FROM instrument_price ORDER BY changed_at",
			[]string{"2025-12-31 | 16000 | upsert", "2026-01-15 | 17500 | correct"}},
		{"table", "SELECT changed_at, base_price, op FROM instrument_price_corr", []string{"2026-01-15 | 17000 | upsert"}},
		{"kind", "SELECT changed_at, change_kind, base_price, op FROM instrument_price ORDER BY changed_at, change_kind",
			[]string{"2025-12-31 | change | 16000 | upsert", "2026-01-15 | change | 17500 | correct", "2026-01-15 | correct | 17000 | upsert"}},
	} {
		t.Run(tc.corr, func(t *testing.T) {
			s := specOf(t, `  groups:
    - {name: price, attributes: [par_value, base_price]}
  tables:
    - {method: 9, group: price, corrections: `+tc.corr+"}\n")
			st := openStore(t, s)
			st.run(evs, 1)
			equalLines(t, tc.query, st.query(tc.query), tc.want)
			equalLines(t, "as_of", st.query("SELECT base_price FROM instrument_as_of('2026-01-15')"), []string{"17500"})
			// No recorded_at: the correction is recorded 1µs after the change.
			equalLines(t, "bitemporal", st.query(`SELECT valid_from, valid_to, recorded_from, recorded_to, base_price
				FROM instrument_bitemporal WHERE valid_from = '2026-01-15' ORDER BY recorded_from`), []string{
				"2026-01-15 | NULL | 2026-01-15 | 2026-01-15T00:00:00.000001 | 17000",
				"2026-01-15 | NULL | 2026-01-15T00:00:00.000001 | NULL | 17500"})
			equalLines(t, "known before", st.query("SELECT base_price FROM instrument_as_known('2026-01-15', '2026-01-15')"), []string{"17000"})
			equalLines(t, "known after", st.query("SELECT base_price FROM instrument_as_known('2026-01-15', '2026-01-16')"), []string{"17500"})
		})
	}
}

// A late change (effective 2026-01-10, arriving after the change of
// 2026-01-20) splits the interval it falls in.
func TestLateChangeSplitsIntervals(t *testing.T) {
	evs := parseEvents(t, `{"instrument_id":"1000","event_time":"2026-01-01","kr_short_name":"홍길동사","base_price":100}
{"instrument_id":"1000","event_time":"2026-01-20","base_price":300}
{"instrument_id":"1000","event_time":"2026-01-10","base_price":200}
`)
	s := specOf(t, `  tables:
    - {method: 1, grain: interval, open_end: "9999-12-31"}
    - {method: 8, group: price}
`)
	st := openStore(t, s)
	st.run(evs, 1)
	equalLines(t, "instrument_hist", st.query("SELECT valid_from, valid_to, base_price, change_seq, src_offset FROM instrument_hist ORDER BY valid_from"), []string{
		"2026-01-01 | 2026-01-10 | 100 | 1 | 0",
		"2026-01-10 | 2026-01-20 | 200 | 3 | 2",
		"2026-01-20 | 9999-12-31 | 300 | 2 | 1"})
	equalLines(t, "instrument_price_hist", st.query("SELECT changed_at, base_price, src_offset FROM instrument_price_hist ORDER BY changed_at"), []string{
		"2026-01-10 | 100 | 2",
		"2026-01-20 | 200 | 1"})
	equalLines(t, "as_of", st.query("SELECT base_price FROM instrument_as_of('2026-01-15')"), []string{"200"})
	equalLines(t, "known before the late change", st.query("SELECT base_price FROM instrument_as_known('2026-01-15', '2026-01-20')"), []string{"100"})
	equalLines(t, "changes", st.query("SELECT attribute, changed_at, old_value, new_value FROM instrument_changes('2026-01-02', '2026-02-01')"), []string{
		"base_price | 2026-01-10 | 100.0 | 200.0", "base_price | 2026-01-20 | 200.0 | 300.0"})
}

// A late change that makes a later change a no-op leaves that row's key
// with a void version; the macros skip it.
func TestLateChangeVoidsRow(t *testing.T) {
	evs := parseEvents(t, `{"instrument_id":"1000","event_time":"2026-01-01","base_price":100}
{"instrument_id":"1000","event_time":"2026-01-20","base_price":200}
{"instrument_id":"1000","event_time":"2026-01-10","base_price":200}
`)
	st := openStore(t, specOf(t, "  tables:\n    - {method: 1, grain: interval}\n"))
	st.run(evs, 1)
	equalLines(t, "instrument_hist", st.query("SELECT valid_from, valid_to, base_price, op FROM instrument_hist ORDER BY valid_from"), []string{
		"2026-01-01 | 2026-01-10 | 100 | upsert",
		"2026-01-10 | NULL | 200 | upsert",
		"2026-01-20 | 2026-01-20 | NULL | void"})
	equalLines(t, "as_of", st.query("SELECT base_price FROM instrument_as_of('2026-01-25')"), []string{"200"})
	equalLines(t, "attr_log", st.query("SELECT * FROM instrument_attr_log('base_price')"), []string{
		"1000 | 2026-01-01 | NULL | 100.0", "1000 | 2026-01-10 | 100.0 | 200.0"})
}

// Deletes in each mode: created 01-01, deleted 01-10, created again 01-20
// with only a base price.
func TestDeletes(t *testing.T) {
	evs := parseEvents(t, `{"instrument_id":"1000","event_time":"2026-01-01","kr_short_name":"홍길동사","base_price":100}
{"instrument_id":"1000","event_time":"2026-01-10","op":"delete"}
{"instrument_id":"1000","event_time":"2026-01-20","base_price":200}
`)
	for _, tc := range []struct {
		table, query string
		want         []string
		asOf15       []string
		asOf25       []string
	}{
		{"{method: 1, grain: interval, deletes: close}", "SELECT valid_from, valid_to, kr_short_name, base_price, op FROM instrument_hist ORDER BY valid_from",
			[]string{"2026-01-01 | 2026-01-10 | 홍길동사 | 100 | upsert", "2026-01-20 | NULL | NULL | 200 | upsert"},
			nil, []string{"1000 | NULL | 200"}},
		{"{method: 1, grain: interval, deletes: row}", "SELECT valid_from, valid_to, kr_short_name, base_price, op FROM instrument_hist ORDER BY valid_from",
			[]string{"2026-01-01 | 2026-01-10 | 홍길동사 | 100 | upsert", "2026-01-10 | 2026-01-20 | NULL | NULL | delete", "2026-01-20 | NULL | NULL | 200 | upsert"},
			nil, []string{"1000 | NULL | 200"}},
		{"{method: 1, grain: interval, deletes: ignore}", "SELECT valid_from, valid_to, kr_short_name, base_price, op FROM instrument_hist ORDER BY valid_from",
			[]string{"2026-01-01 | 2026-01-20 | 홍길동사 | 100 | upsert", "2026-01-20 | NULL | 홍길동사 | 200 | upsert"},
			[]string{"1000 | 홍길동사 | 100"}, []string{"1000 | 홍길동사 | 200"}},
		{"{method: 1, deletes: row}", "SELECT changed_at, kr_short_name, base_price, op FROM instrument_hist ORDER BY changed_at",
			[]string{"2026-01-01 | 홍길동사 | 100 | upsert", "2026-01-10 | NULL | NULL | delete", "2026-01-20 | NULL | 200 | upsert"},
			nil, []string{"1000 | NULL | 200"}},
		{"{method: 8, group: price, deletes: close}", "SELECT changed_at, base_price, op FROM instrument_price_hist ORDER BY changed_at",
			[]string{"2026-01-10 | 100 | delete"},
			nil, []string{"1000 | NULL | 200"}},
		{"{method: 6, deletes: row}", "SELECT attr_code, changed_at, old_value_num, old_value_str, new_value_num, new_value_str, op FROM instrument_attr_hist ORDER BY changed_at, attr_code",
			[]string{"100 | 2026-01-10 | NULL | 홍길동사 | NULL | NULL | delete", "160 | 2026-01-10 | 100 | NULL | NULL | NULL | delete"},
			nil, []string{"1000 | NULL | 200"}},
	} {
		t.Run(tc.table, func(t *testing.T) {
			st := openStore(t, specOf(t, "  tables:\n    - "+tc.table+"\n"))
			st.run(evs, 1)
			equalLines(t, tc.query, st.query(tc.query), tc.want)
			q := "SELECT instrument_id, kr_short_name, base_price FROM instrument_as_of"
			equalLines(t, "as_of 01-15", st.query(q+"('2026-01-15')"), tc.asOf15)
			equalLines(t, "as_of 01-25", st.query(q+"('2026-01-25')"), tc.asOf25)
		})
	}
	st := openStore(t, specOf(t, "  tables:\n    - {method: 8, group: price}\n"))
	st.run(evs, 1)
	equalLines(t, "lifecycle", st.query("SELECT * FROM instrument_lifecycle ORDER BY created_at"), []string{
		"1000 | 2026-01-01 | 2026-01-10", "1000 | 2026-01-20 | NULL"})
	equalLines(t, "master", st.query("SELECT kr_short_name, base_price, changed_at, deleted_at FROM instrument"), []string{"NULL | 200 | 2026-01-20 | NULL"})
	equalLines(t, "changes", st.query("SELECT attribute, changed_at, old_value, new_value FROM instrument_changes('2026-01-02', '2026-02-01')"), []string{
		"base_price | 2026-01-10 | 100.0 | NULL", "kr_short_name | 2026-01-10 | 홍길동사 | NULL", "base_price | 2026-01-20 | NULL | 200.0"})
	st = openStore(t, specOf(t, "  tables:\n    - {method: 8, group: price}\n"))
	st.run(evs[:2], 1)
	equalLines(t, "master while deleted", st.query("SELECT kr_short_name, base_price, changed_at, deleted_at, op FROM instrument"),
		[]string{"홍길동사 | 100 | 2026-01-10 | 2026-01-10 | delete"})
	equalLines(t, "current while deleted", st.query("SELECT * FROM instrument_current"), nil)
}

// Replaying from a checkpoint emits the same rows, and committing them again
// changes nothing.
func TestReplayFromCheckpointIsIdempotent(t *testing.T) {
	for _, cfg := range []string{
		"  tables:\n    - {method: 1, grain: interval, rows: changed}\n",
		"  tables:\n    - {method: 8, group: price, corrections: table}\n    - {method: 8, group: name, corrections: kind}\n",
		"  tables:\n    - {method: 5, group: price}\n    - {method: 7, attributes: [kr_short_name, en_short_name, shares_issued, issue_date]}\n  snapshots: {every: 24h}\n",
	} {
		s := specOf(t, cfg)
		evs := genStream(42, 80)
		once := openStore(t, s)
		once.runAdvancing(evs, 10, 0, len(evs))
		twice := openStore(t, s)
		h := twice.runAdvancing(evs, 10, 0, 40)
		ckpt, err := h.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var emitted [2][]string
		for run := range 2 {
			h2, _ := NewLayouts(s)
			if err := h2.UnmarshalBinary(ckpt); err != nil {
				t.Fatal(err)
			}
			for i := 40; i < len(evs); i++ {
				h2.Process(&evs[i])
				h2.Advance(evs[i].EventTime, 0, evs[i].Offset)
				if (i+1)%10 == 0 || i == len(evs)-1 {
					emitted[run] = append(emitted[run], h2.bufferedText()...)
					if run == 0 {
						twice.commit(h2, evs[i].Offset-9, evs[i].Offset)
					} else { // as the async sink does
						rows := h2.Take()
						if h2.Len(s.Tables()[0]) != 0 {
							t.Fatal("Take left rows behind")
						}
						twice.commit(rows, evs[i].Offset-9, evs[i].Offset)
					}
				}
			}
		}
		if !slices.Equal(emitted[0], emitted[1]) {
			t.Errorf("%s: replay emitted different rows", cfg)
		}
		if a, b := once.dump(), twice.dump(); a != b {
			equalLines(t, cfg, strings.Split(b, "\n"), strings.Split(a, "\n"))
		}
		// The bitemporal key (instrument_id, valid_from, recorded_from) is
		// unique and a key's versions differ only in recorded_to.
		equalLines(t, "bitemporal keys", twice.query(`SELECT count(*) - count(DISTINCT (instrument_id, valid_from, recorded_from)) FROM instrument_bitemporal`), []string{"0"})
	}
}

// runAdvancing processes evs[from:to] with the watermark at each event time,
// committing every n events.
func (s *store) runAdvancing(evs []schemas.Event, n, from, to int) *Layouts {
	s.t.Helper()
	h, err := NewLayouts(s.spec)
	if err != nil {
		s.t.Fatal(err)
	}
	start := evs[from].Offset
	for i := from; i < to; i++ {
		h.Process(&evs[i])
		h.Advance(evs[i].EventTime, 0, evs[i].Offset)
		if (i+1)%n == 0 || i == to-1 {
			s.commit(h, start, evs[i].Offset)
			start = evs[i].Offset + 1
		}
	}
	return h
}

// bufferedText returns the buffered rows as text, table by table.
func (h *Layouts) bufferedText() []string {
	var out []string
	for i, o := range h.p.outs {
		for _, r := range h.buf[i] {
			out = append(out, fmt.Sprintf("%s %v", o.t.Name, r))
		}
	}
	return out
}

// Snapshots: one row per existing instrument for every boundary the
// watermark passes, with the state before the boundary; Flush closes the
// last period.
func TestSnapshots(t *testing.T) {
	evs := parseEvents(t, `{"instrument_id":"1000","event_time":"2026-01-14T10:00:00Z","base_price":16000}
{"instrument_id":"2000","event_time":"2026-01-14T20:00:00Z","base_price":500}
{"instrument_id":"1000","event_time":"2026-01-15T00:00:00Z","base_price":17000}
{"instrument_id":"2000","event_time":"2026-01-15T03:00:00Z","op":"delete"}
{"instrument_id":"1000","event_time":"2026-01-17T09:00:00Z","base_price":18000}
`)
	s := specOf(t, "  tables:\n    - {method: 1}\n  snapshots: {every: 24h}\n")
	st := openStore(t, s)
	h := st.runAdvancing(evs, 100, 0, len(evs))
	h.Flush(0, 4)
	st.commit(h, 5, 4)
	equalLines(t, "snapshots", st.query("SELECT window_start, window_end, instrument_id, base_price, src_offset FROM snapshots ORDER BY window_end, instrument_id"), []string{
		"2026-01-14 | 2026-01-15 | 1000 | 16000 | 2", // the change at 2026-01-15T00:00 belongs to the next day
		"2026-01-14 | 2026-01-15 | 2000 | 500 | 2",
		"2026-01-15 | 2026-01-16 | 1000 | 17000 | 4",
		"2026-01-16 | 2026-01-17 | 1000 | 17000 | 4",
		"2026-01-17 | 2026-01-18 | 1000 | 18000 | 4", // written by Flush
	})
	// Without late events a snapshot is E_as_of just before window_end.
	equalLines(t, "as_of", st.query("SELECT instrument_id, base_price FROM instrument_as_of(TIMESTAMP '2026-01-16' - INTERVAL 1 MICROSECOND)"), []string{"1000 | 17000"})

	// Asia/Seoul: days start at 15:00 UTC.
	s = specOf(t, "  tables:\n    - {method: 1}\n  snapshots: {every: 24h, timezone: Asia/Seoul, table: daily}\n")
	st = openStore(t, s)
	st.runAdvancing(evs, 100, 0, 3)
	equalLines(t, "daily", st.query("SELECT window_start, window_end, instrument_id, base_price FROM daily ORDER BY window_end, instrument_id"), []string{
		"2026-01-13T15:00:00 | 2026-01-14T15:00:00 | 1000 | 16000"})
}

func TestRejectsWrongTypes(t *testing.T) {
	evs := parseEvents(t, `{"instrument_id":"1000","event_time":"2026-01-01","base_price":"abc","kr_short_name":"홍길동사"}
{"instrument_id":"1000","event_time":"2026-01-02","kr_short_name":7}
`)
	st := openStore(t, specOf(t, "  tables:\n    - {method: 1}\n"))
	st.run(evs, 1)
	equalLines(t, "rejects", st.query("SELECT instrument_id, event_time, attribute, value, reason, src_offset FROM instrument_rejects ORDER BY src_offset"), []string{
		"1000 | 2026-01-01 | base_price | abc | base_price: want a number, got a string | 0",
		"1000 | 2026-01-02 | kr_short_name | 7 | kr_short_name: want a string, got a number | 1"})
	equalLines(t, "hist", st.query("SELECT changed_at, kr_short_name, base_price FROM instrument_hist"), []string{"2026-01-01 | 홍길동사 | NULL"})
}

// With no tables (the default) the layouts write nothing and ship nothing.
func TestDefaultsWriteNothing(t *testing.T) {
	s := DefaultSpec()
	if s.Tables() != nil || s.SQL() != nil {
		t.Fatal("default spec has tables or SQL")
	}
	h, err := NewLayouts(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range parseEvents(t, created) {
		h.Process(&ev)
		h.Advance(ev.EventTime, 0, ev.Offset)
	}
	h.Flush(0, 1)
	if b, err := h.MarshalBinary(); err != nil || h.Instruments() != 0 {
		t.Fatalf("state %d %v %v", h.Instruments(), b, err)
	}
	rec := h.Record(memory.NewGoAllocator(), &schemas.AttrHistory)
	defer rec.Release()
	if rec.NumRows() != 0 {
		t.Fatal("rows for an unknown table")
	}
}
