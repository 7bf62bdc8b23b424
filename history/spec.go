package history

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"pricewatch/conf"
)

// Spec is the `history:` section of the job config. Include and Exclude
// choose the attributes of attr_history; the other keys describe the entity
// (instrument), its attributes and attribute groups, and the history tables
// (layouts) built from the stream of changes. With no tables (the default)
// only attr_history is written.
type Spec struct {
	// Include lists the attributes whose history is kept. Empty (the default)
	// means every attribute not in Exclude.
	Include []string `yaml:"include"`
	// Exclude lists attributes never kept: tick attributes whose every event
	// is a change. Default [price, volume].
	Exclude []string `yaml:"exclude"`

	// Entity names the entity: the prefix of the shipped views and macros
	// (<entity>_as_of, ...) and of the default table names. Default
	// "instrument".
	Entity string `yaml:"entity"`
	// Master names the master table (current state of the attributes that
	// stay in the master). Default: the entity name.
	Master string `yaml:"master,omitempty"`
	// Attributes are the entity's attributes, in column order. Default: the
	// stock instrument of history-layouts.md.
	Attributes []AttrSpec `yaml:"attributes"`
	// Groups are attribute groups (methods 8-10 keep one history per group).
	// Default: name (kr_short_name, en_short_name) and price (issue_price,
	// par_value, base_price).
	Groups []GroupSpec `yaml:"groups"`
	// Layouts lists the history tables (yaml key tables). Default none.
	Layouts []TableSpec `yaml:"tables"`
	// Bitemporal configures the bitemporal table that is always kept when
	// Tables is not empty.
	Bitemporal BitemporalSpec `yaml:"bitemporal"`
	// Snapshots configures periodic snapshots. Default off.
	Snapshots SnapshotSpec `yaml:"snapshots"`
}

// AttrSpec is one attribute of the entity.
type AttrSpec struct {
	Name string `yaml:"name"`
	// Type is "number" (DOUBLE) or "string" (VARCHAR).
	Type string `yaml:"type"`
	// Code is the attribute's number in the attribute code table of methods
	// 6 and 7. Default 100 + 10 × its position.
	Code int `yaml:"code,omitempty"`
}

// GroupSpec is one attribute group.
type GroupSpec struct {
	Name       string   `yaml:"name"`
	Attributes []string `yaml:"attributes"`
}

// EntitySpec is one entity of the integrated vertical history (method 7).
type EntitySpec struct {
	No         int      `yaml:"no"`
	Name       string   `yaml:"name"`
	Group      string   `yaml:"group,omitempty"`
	Attributes []string `yaml:"attributes,omitempty"`
}

// TableSpec is one history layout: a method of the article applied to a unit
// (the whole instance, attributes, or a group).
type TableSpec struct {
	// Method is the article's method, 1 to 10.
	Method int `yaml:"method"`
	// Group is the attribute group of methods 3-5 and 8-10 (6 and 7: optional).
	Group string `yaml:"group,omitempty"`
	// Attributes is the unit of methods 3-7 when Group is not given.
	Attributes []string `yaml:"attributes,omitempty"`
	// Name overrides the history table's name (not for method 3, whose
	// tables are <entity>_<attribute>_hist).
	Name string `yaml:"name,omitempty"`
	// Current overrides the current table's name (methods 5 and 10).
	Current string `yaml:"current,omitempty"`
	// Codes overrides the attribute code view's name (methods 6 and 7).
	Codes string `yaml:"codes,omitempty"`
	// Registry overrides the entity registry view's name (method 7).
	Registry string `yaml:"registry,omitempty"`
	// Entities lists the entities of method 7. Default: the entity itself
	// for the attributes in no group, then <entity>_<group> per group.
	Entities []EntitySpec `yaml:"entities,omitempty"`
	// Grain is "point" (change time only, the default) or "interval"
	// (valid_from and valid_to).
	Grain string `yaml:"grain,omitempty"`
	// Rows is "snapshot" (every attribute of the unit, the default) or
	// "changed" (unchanged attributes NULL; methods 1, 2, 8, 9, 10).
	Rows string `yaml:"rows,omitempty"`
	// Values is "before" (a history row holds the values before the change,
	// as in the article) or "after". Default: after for methods 1, 4 and 9
	// (current and past in one table; only after is allowed), before for
	// 2, 3, 5, 8 and 10. Methods 6 and 7 keep both.
	Values string `yaml:"values,omitempty"`
	// OpenEnd is the valid_to of a row that is still valid, for interval
	// rows with values after: "null" (the default) or "9999-12-31".
	OpenEnd string `yaml:"open_end,omitempty"`
	// Deletes is "ignore", "close" or "row". Default: row for point rows with
	// values after (a point row cannot be closed), else close.
	Deletes string `yaml:"deletes,omitempty"`
	// Corrections is "overwrite" (the default), "table" (the pre-correction
	// row to a separate table) or "kind" (a change_kind column in the key).
	Corrections string `yaml:"corrections,omitempty"`
	// CorrectionTable overrides the correction table's name (corrections:
	// table). Default <table>_corr.
	CorrectionTable string `yaml:"correction_table,omitempty"`
	// Primary makes this layout the first source of E_as_of and friends.
	// Default: the first table.
	Primary bool `yaml:"primary,omitempty"`
}

// BitemporalSpec is the bitemporal table.
type BitemporalSpec struct {
	// Name defaults to <entity>_bitemporal.
	Name string `yaml:"name,omitempty"`
	// OpenEnd of valid_to and recorded_to: "null" (default) or "9999-12-31".
	OpenEnd string `yaml:"open_end,omitempty"`
}

// SnapshotSpec is the periodic snapshot of every instrument's state.
type SnapshotSpec struct {
	// Every is the snapshot period; 0 (the default) turns snapshots off.
	// At least 1m.
	Every conf.Duration `yaml:"every"`
	// Timezone aligns the periods (whole days start at local midnight).
	// Default UTC.
	Timezone string `yaml:"timezone,omitempty"`
	// Table names the snapshot table. Default "snapshots".
	Table string `yaml:"table,omitempty"`
}

// DefaultAttributes are the stock instrument's attributes (history-layouts.md).
func DefaultAttributes() []AttrSpec {
	return []AttrSpec{
		{Name: "kr_short_name", Type: "string"}, {Name: "en_short_name", Type: "string"},
		{Name: "shares_issued", Type: "number"}, {Name: "issue_date", Type: "string"},
		{Name: "issue_price", Type: "number"}, {Name: "par_value", Type: "number"}, {Name: "base_price", Type: "number"},
	}
}

// DefaultGroups are the stock instrument's attribute groups.
func DefaultGroups() []GroupSpec {
	return []GroupSpec{
		{Name: "name", Attributes: []string{"kr_short_name", "en_short_name"}},
		{Name: "price", Attributes: []string{"issue_price", "par_value", "base_price"}},
	}
}

// DefaultSpec returns the defaults: attr_history of every attribute but price
// and volume; the stock instrument entity; no history tables; no snapshots.
func DefaultSpec() Spec {
	return Spec{Exclude: []string{"price", "volume"}, Entity: "instrument",
		Attributes: DefaultAttributes(), Groups: DefaultGroups()}
}

// Validate checks the spec; the error names the key, the value and what is
// allowed. It does not change the spec.
func (s *Spec) Validate() error {
	for i, a := range s.Include {
		if a == "" || slices.Contains(s.Exclude, a) {
			return conf.Errorf(fmt.Sprintf("history.include[%d]", i), fmt.Sprintf("%q", a),
				"want a non-empty attribute name that is not also in history.exclude")
		}
	}
	for i, a := range s.Exclude {
		if a == "" {
			return conf.Errorf(fmt.Sprintf("history.exclude[%d]", i), `""`, "want a non-empty attribute name")
		}
	}
	_, err := s.compile()
	return err
}

func (s *Spec) tracks(attr string) bool {
	if len(s.Include) > 0 {
		return slices.Contains(s.Include, attr)
	}
	return !slices.Contains(s.Exclude, attr)
}

// String describes the spec, for logs.
func (s Spec) String() string {
	var b string
	if len(s.Include) > 0 {
		b = "include " + strings.Join(s.Include, ",")
	} else {
		b = "all but " + strings.Join(s.Exclude, ",")
	}
	if len(s.Layouts) > 0 {
		ms := make([]string, len(s.Layouts))
		for i, t := range s.Layouts {
			ms[i] = fmt.Sprint(t.Method)
		}
		b += "; layouts " + strings.Join(ms, ",")
	}
	return b
}

// identifiers: lower-case SQL names that need no quoting.
func isIdent(s string) bool {
	if s == "" || len(s) > 63 || !(s[0] >= 'a' && s[0] <= 'z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return !slices.Contains(reservedWords, s)
}

// reservedWords are DuckDB's reserved keywords (duckdb_keywords()).
var reservedWords = strings.Fields(`all analyse analyze and any array as asc asymmetric both case cast check
	collate column constraint create default deferrable desc describe distinct do else end except false
	fetch for foreign from group having in initially intersect into lambda lateral leading limit not null
	offset on only or order pivot pivot_longer pivot_wider placing primary qualify references returning
	select show some summarize symmetric table then to trailing true union unique unpivot using variadic
	when where window with`)

const identRule = "want a lower-case SQL name (a-z, 0-9, _; starting with a letter; not a reserved word)"

// fixedColumns are the names of the columns the layouts add; an attribute
// cannot take one of them.
var fixedColumns = []string{"instrument_id", "changed_at", "valid_from", "valid_to", "recorded_from", "recorded_to",
	"deleted_at", "changed_attrs", "change_kind", "op", "change_seq", "src_partition", "src_offset", "emit_offset",
	"window_start", "window_end", "corrected_at", "corrected_by", "attr_code", "entity_no", "entity_key",
	"old_value_num", "old_value_str", "new_value_num", "new_value_str", "event_time", "attribute", "value", "reason",
	"value_num", "value_str", "created_at"}

// builtinTables are the job's other outputs.
var builtinTables = []string{"window_bars", "late_events", "anomalies", "dead_letters", "attr_history"}

func oneOf(v string, allowed ...string) bool { return slices.Contains(allowed, v) }

func quoteList(vs ...string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	switch len(q) {
	case 1:
		return q[0]
	case 2:
		return q[0] + " or " + q[1]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// minSnapshotEvery bounds the snapshot period from below: every crossed
// boundary writes a row per instrument.
const minSnapshotEvery = time.Minute
