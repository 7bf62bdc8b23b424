package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"pricewatch/schemas"
)

// TableRows returns every row of an output table as a line of text (columns
// joined by " | ", NULL as "NULL", times in RFC 3339 UTC), sorted. Only the
// columns of the table's Arrow schema are read, so processing-time facts
// never enter a comparison.
func TableRows(ctx context.Context, db *sql.DB, t *schemas.Table) ([]string, error) {
	names := make([]string, 0, t.Schema.NumFields())
	for _, f := range t.Schema.Fields() {
		names = append(names, f.Name)
	}
	rows, err := db.QueryContext(ctx, "SELECT "+strings.Join(names, ", ")+" FROM "+t.Name)
	if err != nil {
		return nil, fmt.Errorf("duckdb: cannot read %s: %w", t.Name, err)
	}
	defer rows.Close()
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []string
	var b strings.Builder
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("duckdb: cannot read %s: %w", t.Name, err)
		}
		b.Reset()
		for i, v := range vals {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(Text(v))
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("duckdb: cannot read %s: %w", t.Name, err)
	}
	slices.Sort(out)
	return out, nil
}

// Text renders one SQL value deterministically.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return strconv.Quote(string(x))
	case string:
		return x
	case float64:
		if math.IsNaN(x) {
			return "NaN"
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	}
	return fmt.Sprint(v)
}

// MergedTableRows is TableRows over the union of several output folders
// (the members of one consumer group): for keyed tables, only the newest
// version of each key is kept, as one folder's upserts would have kept it.
func MergedTableRows(ctx context.Context, dirs []string, t *schemas.Table) ([]string, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("duckdb: cannot open: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var parts []string
	for i, dir := range dirs {
		alias := fmt.Sprintf("m%d", i)
		path := filepath.Join(dir, FileName)
		if _, err := db.ExecContext(ctx, fmt.Sprintf("ATTACH %s AS %s (READ_ONLY)", quote(path), alias)); err != nil {
			return nil, fmt.Errorf("duckdb: cannot open %q: %w", path, err)
		}
		parts = append(parts, fmt.Sprintf("SELECT * FROM %s.%s", alias, t.Name))
	}
	view := "CREATE TEMP VIEW " + t.Name + " AS " + strings.Join(parts, " UNION ALL ")
	if len(t.Key) > 0 {
		view = fmt.Sprintf("CREATE TEMP VIEW %s AS SELECT * FROM (%s) QUALIFY row_number() OVER (PARTITION BY %s ORDER BY %s DESC) = 1",
			t.Name, strings.Join(parts, " UNION ALL "), strings.Join(t.Key, ", "), t.Version)
	}
	if _, err := db.ExecContext(ctx, view); err != nil {
		return nil, fmt.Errorf("duckdb: cannot merge %s: %w", t.Name, err)
	}
	return TableRows(ctx, db, t)
}
