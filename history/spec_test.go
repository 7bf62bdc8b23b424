package history

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"pricewatch/schemas"
)

func TestValidateRejectsMistakes(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"entity: Instrument", `history.entity: "Instrument" is not allowed; want a lower-case SQL name`},
		{"attributes: [{name: base_price, type: money}]", `history.attributes[0].type: "money" is not allowed; want "number" or "string"`},
		{"attributes: [{name: valid_from, type: number}]", `history.attributes[0].name: "valid_from" is not allowed`},
		{"attributes: [{name: a, type: number}, {name: a, type: string}]", `history.attributes[1].name: "a" is not allowed; want each attribute listed once`},
		{"attributes: [{name: a, type: number, code: 7}, {name: b, type: string, code: 7}]", `history.attributes[1].code: 7 is not allowed`},
		{"groups: [{name: price, attributes: [nope]}]", `history.groups[0].attributes[0]: "nope" is not allowed; want an attribute of history.attributes`},
		{"groups: [{name: a, attributes: [base_price]}, {name: b, attributes: [base_price]}]", `history.groups[1].attributes[0]: "base_price" is not allowed; want an attribute in no other group`},
		{"tables: [{method: 11}]", "history.tables[0].method: 11 is not allowed; want a method of the article, 1 to 10"},
		{"tables: [{method: 8}]", `history.tables[0].group: "" is not allowed; want the group method 8 keeps history of`},
		{"tables: [{method: 8, group: prices}]", `history.tables[0].group: "prices" is not allowed; want a group of history.groups`},
		{"tables: [{method: 1, group: price}]", "want no group or attributes: method 1 keeps the whole instance"},
		{"tables: [{method: 8, group: price, grain: line}]", `history.tables[0].grain: "line" is not allowed; want "point" or "interval"`},
		{"tables: [{method: 6, grain: interval}]", `history.tables[0].grain: "interval" is not allowed; want "point"`},
		{"tables: [{method: 3, attributes: [base_price], rows: changed}]", `history.tables[0].rows: "changed" is not allowed; want "snapshot": a row of method 3 holds one attribute`},
		{"tables: [{method: 9, group: price, values: before}]", `history.tables[0].values: "before" is not allowed; want "after"`},
		{"tables: [{method: 6, values: after}]", `history.tables[0].values: "after" is not allowed; want no values`},
		{"tables: [{method: 8, group: price, open_end: '9999-12-31'}]", "history.tables[0].open_end: \"9999-12-31\" is not allowed; want no open_end"},
		{"tables: [{method: 9, group: price, grain: interval, open_end: forever}]", `history.tables[0].open_end: "forever" is not allowed; want "null" or "9999-12-31"`},
		{"tables: [{method: 9, group: price, deletes: close}]", `history.tables[0].deletes: "close" is not allowed; want "ignore" or "row": a point row with values after has no end to close`},
		{"tables: [{method: 8, group: price, deletes: drop}]", `history.tables[0].deletes: "drop" is not allowed; want "ignore", "close" or "row"`},
		{"tables: [{method: 8, group: price, corrections: fix}]", `history.tables[0].corrections: "fix" is not allowed; want "overwrite", "table" or "kind"`},
		{"tables: [{method: 8, group: price, correction_table: x}]", "want no correction_table unless corrections is \"table\""},
		{"tables: [{method: 8, group: price, current: x}]", "want no current table name: only methods 5 and 10"},
		{"tables: [{method: 4, attributes: [par_value, base_price]}]", "want one attribute, or a group"},
		{"tables: [{method: 4, attributes: [kr_short_name, base_price]}]", "want one attribute, or a group"},
		{"groups: [{name: mixed, attributes: [kr_short_name, base_price]}]\n  tables: [{method: 5, group: mixed}]", `want attributes of one type`},
		{"tables: [{method: 8, group: price}, {method: 8, group: name, deletes: ignore}]", `history.tables[1].deletes: "ignore" is not allowed; want "close" like history.tables[0]`},
		{"tables: [{method: 10, group: price}, {method: 9, group: price}]", `history.tables[1].group: "issue_price" is not allowed; want attributes no other current table keeps`},
		{"tables: [{method: 10, group: price}, {method: 2}]", `history.tables[1].values: "before" is not allowed; want "after", or a unit without issue_price`},
		{"tables: [{method: 8, group: price}, {method: 8, group: price}]", `history.tables[1].name: "instrument_price_hist" is not allowed; want a name no other table, view or macro takes`},
		{"tables: [{method: 1, name: attr_history}]", `history.tables[0].name: "attr_history" is not allowed; want a name that is not one of the job's other tables`},
		{"tables: [{method: 1, name: instrument_current}]", `history.tables[0].name: "instrument_current" is not allowed; want a name no other table, view or macro takes`},
		{"tables: [{method: 1, name: select}]", `history.tables[0].name: "select" is not allowed`},
		{"tables: [{method: 1, primary: true}, {method: 8, group: price, primary: true}]", "history.tables[1].primary: true is not allowed; want one primary table at most"},
		{"tables: [{method: 7, entities: [{no: 1, name: a, group: price}]}]", `history.tables[0].entities: "kr_short_name" is not allowed; want every attribute of the unit in an entity`},
		{"tables: [{method: 1}]\n  snapshots: {every: 10s}", "history.snapshots.every: 10s is not allowed; want 0 (off) or a duration of at least 1m0s"},
		{"tables: [{method: 1}]\n  snapshots: {every: 24h, timezone: Mars/Olympus}", `history.snapshots.timezone: "Mars/Olympus" is not allowed`},
		{"snapshots: {every: 24h}", "history.snapshots.every: 24h0m0s is not allowed; want 0 (off) while history.tables is empty"},
		{"bitemporal: {open_end: never}", `history.bitemporal.open_end: "never" is not allowed`},
		{"include: [base_price]\n  exclude: [base_price]", `history.include[0]: "base_price" is not allowed`},
	} {
		s := DefaultSpec()
		if err := yaml.Unmarshal([]byte("  "+tc.yaml), &s); err != nil {
			t.Fatalf("%s: %v", tc.yaml, err)
		}
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant an error containing %q", tc.yaml, err, tc.want)
		}
		if s.Tables() != nil || s.SQL() != nil {
			t.Errorf("%s: an invalid spec gives tables or SQL", tc.yaml)
		}
	}
}

func TestExamplesAreValid(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(examples, "history-*.yaml"))
	if len(paths) < 11 {
		t.Fatalf("examples: %v", paths)
	}
	for _, p := range paths {
		s := loadExample(t, p)
		if len(s.Tables()) == 0 || len(s.SQL()) == 0 {
			t.Errorf("%s: no tables or SQL", p)
		}
	}
}

// The example configs write the article's tables, with English names.
func TestExampleTableNames(t *testing.T) {
	want := map[int]string{
		1:  "instrument_hist",
		2:  "instrument instrument_hist",
		3:  "instrument instrument_par_value_hist instrument_base_price_hist",
		4:  "instrument instrument_price",
		5:  "instrument instrument_price instrument_price_hist",
		6:  "instrument instrument_attr_hist",
		7:  "instrument attr_integrated_hist",
		8:  "instrument instrument_price_hist instrument_name_hist",
		9:  "instrument instrument_price",
		10: "instrument instrument_price instrument_price_hist",
	}
	for m := 1; m <= 10; m++ {
		s := loadExample(t, filepath.Join(examples, fmt.Sprintf("history-method-%02d.yaml", m)))
		var names []string
		for _, tb := range s.Tables() {
			names = append(names, tb.Name)
		}
		got := strings.Join(names, " ")
		if w := want[m] + " instrument_bitemporal instrument_rejects"; got != w {
			t.Errorf("method %d: tables %q, want %q", m, got, w)
		}
	}
}

// The effective config round-trips through YAML.
func TestSpecRoundTrips(t *testing.T) {
	s := loadExample(t, filepath.Join(examples, "history-bitemporal.yaml"))
	b, err := yaml.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	s2 := DefaultSpec()
	if err := yaml.Unmarshal(b, &s2); err != nil {
		t.Fatal(err)
	}
	b2, _ := yaml.Marshal(&s2)
	if string(b) != string(b2) || s2.Validate() != nil {
		t.Errorf("does not round-trip:\n%s\n---\n%s", b, b2)
	}
}

// attr_history is unchanged: the interval history of every attribute.
func TestAttrHistoryRows(t *testing.T) {
	h := NewInterval(DefaultSpec())
	var rows []schemas.HistoryRow
	for _, ev := range parseEvents(t, `{"instrument_id":"1000","event_time":"2025-12-31","base_price":16000,"price":1}
{"instrument_id":"1000","event_time":"2026-01-15","base_price":17000}
{"instrument_id":"1000","event_time":"2026-01-10","base_price":16500}
{"instrument_id":"1000","event_time":"2026-01-20","op":"delete"}`) {
		rows = h.Process(&ev, rows)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s %s %v %d %d %v %s %d %d", r.InstrumentID, r.Attribute, r.Value.Num, r.ValidFrom, r.ValidTo, r.Open, r.Op, r.ChangeSeq, r.EmitOffset))
	}
	equalLines(t, "attr_history", got, []string{
		"1000 base_price 16000 1767139200000000 0 true upsert 1 0",
		"1000 base_price 16000 1767139200000000 1768435200000000 false upsert 1 1",
		"1000 base_price 17000 1768435200000000 0 true upsert 2 1",
		"1000 base_price 16000 1767139200000000 1768003200000000 false upsert 1 2",
		"1000 base_price 16500 1768003200000000 1768435200000000 false upsert 3 2",
		"1000 base_price 17000 1768435200000000 1768867200000000 false upsert 2 3",
	})
}
