package history

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"gopkg.in/yaml.v3"

	"pricewatch/duckdb"
	"pricewatch/parquet"
	"pricewatch/schemas"
)

// parseTime reads a date, an RFC 3339 time or epoch milliseconds as
// microseconds UTC.
func parseTime(t testing.TB, s string) int64 {
	t.Helper()
	for _, layout := range []string{"2006-01-02", time.RFC3339Nano} {
		if v, err := time.Parse(layout, s); err == nil {
			return v.UnixMicro()
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return ms * 1000
	}
	t.Fatalf("bad time %q", s)
	return 0
}

// readEvents reads a JSONL file of test events: instrument_id, event_time,
// optional op and recorded_at, and attributes. Records get partition 0 and
// offsets from 0.
func readEvents(t testing.TB, path string) []schemas.Event {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseEvents(t, string(b))
}

func parseEvents(t testing.TB, text string) []schemas.Event {
	t.Helper()
	var evs []schemas.Event
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		d := json.NewDecoder(strings.NewReader(line))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		ev := schemas.Event{Offset: int64(len(evs))}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := m[k]
			switch k {
			case "instrument_id":
				ev.InstrumentID = v.(string)
			case "event_time":
				ev.EventTime = parseTime(t, fmt.Sprint(v))
			case "recorded_at":
				ev.RecordedAt, ev.HasRecordedAt = parseTime(t, fmt.Sprint(v)), true
			case "op":
				ev.Op = map[string]schemas.Op{"upsert": schemas.OpUpsert, "correct": schemas.OpCorrect, "delete": schemas.OpDelete}[v.(string)]
			default:
				var val schemas.Value
				switch x := v.(type) {
				case json.Number:
					f, _ := x.Float64()
					val = schemas.Value{Kind: schemas.KindNumber, Num: f}
				case string:
					val = schemas.Value{Kind: schemas.KindString, Str: x}
				}
				ev.Attrs = append(ev.Attrs, schemas.Attr{Name: k, Value: val})
			}
		}
		evs = append(evs, ev)
	}
	return evs
}

// loadExample reads the history section of a job config file.
func loadExample(t testing.TB, path string) Spec {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseSpec(t, string(b))
}

func parseSpec(t testing.TB, text string) Spec {
	t.Helper()
	cfg := struct {
		History Spec `yaml:"history"`
	}{History: DefaultSpec()}
	if err := yaml.Unmarshal([]byte(text), &cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.History.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg.History
}

// store is a real DuckDB output opened with the spec's tables and SQL.
type store struct {
	t     testing.TB
	dir   string
	st    *duckdb.Store
	spec  Spec
	mem   *memory.CheckedAllocator
	epoch int64
}

func openStore(t testing.TB, s Spec) *store {
	t.Helper()
	dir := t.TempDir()
	tables := append(slices.Clone(schemas.Tables), s.Tables()...)
	st, err := duckdb.Open(filepath.Join(dir, duckdb.FileName), tables, s.SQL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &store{t: t, dir: dir, st: st, spec: s, mem: memory.NewCheckedAllocator(memory.NewGoAllocator())}
}

// rowSource is a Layouts or the Rows taken from one.
type rowSource interface {
	Len(t *schemas.Table) int
	Record(mem memory.Allocator, t *schemas.Table) arrow.RecordBatch
}

// commit writes the rows buffered in h as one epoch (Parquet files, then
// DuckDB) and resets h.
func (s *store) commit(h rowSource, from, to int64) {
	s.t.Helper()
	s.epoch++
	e := &duckdb.Epoch{Source: "test", Partition: 0, From: from, To: to,
		Checkpoint: duckdb.Checkpoint{NextOffset: to + 1, Epochs: s.epoch}}
	for _, tbl := range s.spec.Tables() {
		n := h.Len(tbl)
		if n == 0 {
			continue
		}
		rec := h.Record(s.mem, tbl)
		p := parquet.Path(s.dir, tbl.Name, 0, s.epoch, from, to)
		if err := parquet.WriteFile(p, rec); err != nil {
			s.t.Fatal(err)
		}
		rec.Release()
		e.Files = append(e.Files, duckdb.TableFile{Table: tbl, Path: p, Rows: n})
	}
	if err := s.st.Commit(context.Background(), e); err != nil {
		s.t.Fatal(err)
	}
	if l, ok := h.(*Layouts); ok {
		l.Reset()
	}
	s.mem.AssertSize(s.t, 0)
}

// run processes events through fresh layouts, committing an epoch every
// `every` events, and returns the layouts.
func (s *store) run(evs []schemas.Event, every int) *Layouts {
	s.t.Helper()
	h, err := NewLayouts(s.spec)
	if err != nil {
		s.t.Fatal(err)
	}
	from := int64(0)
	for i := range evs {
		h.Process(&evs[i])
		if (i+1)%every == 0 || i == len(evs)-1 {
			s.commit(h, from, evs[i].Offset)
			from = evs[i].Offset + 1
		}
	}
	return h
}

// query returns the rows of q as text: NULL, numbers in %g, times as a date
// when at midnight.
func (s *store) query(q string, args ...any) []string {
	s.t.Helper()
	return queryDB(s.t, s.st.DB(), q, args...)
}

func queryDB(t testing.TB, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		cells := make([]string, len(cols))
		for i, v := range vals {
			cells[i] = fmtCell(v)
		}
		out = append(out, strings.Join(cells, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func fmtCell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return fmt.Sprint(x)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		x = x.UTC()
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format("2006-01-02T15:04:05.999999")
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// dump returns every table of the spec as text, ordered by key, without
// emit_offset.
func (s *store) dump() string {
	s.t.Helper()
	var b bytes.Buffer
	for _, tbl := range s.spec.Tables() {
		var cols []string
		for _, f := range tbl.Schema.Fields() {
			if f.Name != "emit_offset" {
				cols = append(cols, f.Name)
			}
		}
		fmt.Fprintf(&b, "== %s\n%s\n", tbl.Name, strings.Join(cols, " | "))
		for _, r := range s.query(fmt.Sprintf("SELECT %s FROM %s ORDER BY %s", strings.Join(cols, ", "), tbl.Name, strings.Join(tbl.Key, ", "))) {
			fmt.Fprintln(&b, r)
		}
	}
	return b.String()
}

func equalLines(t testing.TB, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
