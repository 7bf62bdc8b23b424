package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"pricewatch/schemas"
)

// TableDiff is how one table differs between two output sets.
type TableDiff struct {
	Table           string
	OnlyA, OnlyB    int64 // rows whose identity is in one set only
	Changed         int64 // identities in both sets with different rows
	Same            int64 // rows equal in both
	SampleA         []string
	SampleB         []string
	SampleChangedID []string
}

// Differs reports whether the table differs.
func (d *TableDiff) Differs() bool { return d.OnlyA+d.OnlyB+d.Changed > 0 }

// Diff compares the tables of two output folders, column by column of their
// Arrow schemas (so processing-time facts are left out), and returns one
// TableDiff per table, keeping up to samples example rows of each kind.
func Diff(ctx context.Context, dirA, dirB string, tables []*schemas.Table, samples int) ([]TableDiff, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("duckdb: cannot open: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for alias, dir := range map[string]string{"a": dirA, "b": dirB} {
		path := filepath.Join(dir, FileName)
		if _, err := db.ExecContext(ctx, fmt.Sprintf("ATTACH %s AS %s (READ_ONLY)", quote(path), alias)); err != nil {
			return nil, fmt.Errorf("duckdb: cannot open %q: %w", path, err)
		}
	}
	var out []TableDiff
	for _, t := range tables {
		d, err := diffTable(ctx, db, t, columnList(t), t.Identity, samples)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// DiffOthers compares the tables both folders have beyond the given ones
// (the history tables of a config, for instance), whole rows as multisets.
// Views and pricewatch's own bookkeeping tables are left out.
func DiffOthers(ctx context.Context, dirA, dirB string, known []*schemas.Table, samples int) ([]TableDiff, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("duckdb: cannot open: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for alias, dir := range map[string]string{"a": dirA, "b": dirB} {
		path := filepath.Join(dir, FileName)
		if _, err := db.ExecContext(ctx, fmt.Sprintf("ATTACH %s AS %s (READ_ONLY)", quote(path), alias)); err != nil {
			return nil, fmt.Errorf("duckdb: cannot open %q: %w", path, err)
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT table_name, string_agg(column_name, ', ' ORDER BY column_index)
		FROM duckdb_columns() WHERE database_name = 'a' AND NOT starts_with(table_name, '_pricewatch')
		  AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE database_name = 'b')
		  AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE database_name = 'a')
		GROUP BY table_name ORDER BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("duckdb: cannot list tables: %w", err)
	}
	type tc struct{ name, cols string }
	var todo []tc
	for rows.Next() {
		var x tc
		if err := rows.Scan(&x.name, &x.cols); err != nil {
			rows.Close()
			return nil, err
		}
		if !slices.ContainsFunc(known, func(t *schemas.Table) bool { return t.Name == x.name }) {
			todo = append(todo, x)
		}
	}
	rows.Close()
	var out []TableDiff
	for _, x := range todo {
		d, err := diffTable(ctx, db, &schemas.Table{Name: x.name}, x.cols, nil, samples)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func diffTable(ctx context.Context, db *sql.DB, t *schemas.Table, cols string, identity []string, samples int) (TableDiff, error) {
	d := TableDiff{Table: t.Name}
	id := strings.Join(identity, ", ")
	if id == "" {
		id = cols // no identity: a row is its own identity, nothing "changes"
	}
	// Rows of A not in B and of B not in A, as multisets.
	onlyA := fmt.Sprintf("(SELECT %s FROM a.%s EXCEPT ALL SELECT %s FROM b.%s)", cols, t.Name, cols, t.Name)
	onlyB := fmt.Sprintf("(SELECT %s FROM b.%s EXCEPT ALL SELECT %s FROM a.%s)", cols, t.Name, cols, t.Name)
	q := fmt.Sprintf(`WITH oa AS %s, ob AS %s,
		ch AS (SELECT DISTINCT %s FROM oa SEMI JOIN ob USING (%s))
		SELECT (SELECT count(*) FROM oa), (SELECT count(*) FROM ob), (SELECT count(*) FROM ch),
		       (SELECT count(*) FROM a.%s)`, onlyA, onlyB, id, id, t.Name)
	var total int64
	if err := db.QueryRowContext(ctx, q).Scan(&d.OnlyA, &d.OnlyB, &d.Changed, &total); err != nil {
		return d, fmt.Errorf("duckdb: cannot compare %s: %w", t.Name, err)
	}
	d.Same = total - d.OnlyA
	if !d.Differs() || samples <= 0 {
		return d, nil
	}
	var err error
	if d.SampleA, err = sample(ctx, db, onlyA, samples); err != nil {
		return d, err
	}
	if d.SampleB, err = sample(ctx, db, onlyB, samples); err != nil {
		return d, err
	}
	// Identities that changed count once; rows only in one side include them.
	d.OnlyA -= rowsWithChangedID(ctx, db, onlyA, onlyB, id)
	d.OnlyB -= rowsWithChangedID(ctx, db, onlyB, onlyA, id)
	return d, nil
}

func rowsWithChangedID(ctx context.Context, db *sql.DB, side, other, id string) int64 {
	var n int64
	db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s s SEMI JOIN %s o USING (%s)", side, other, id)).Scan(&n)
	return n
}

func sample(ctx context.Context, db *sql.DB, set string, n int) ([]string, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT * FROM %s ORDER BY ALL LIMIT %d", set, n))
	if err != nil {
		return nil, fmt.Errorf("duckdb: cannot sample: %w", err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = Text(v)
		}
		out = append(out, strings.Join(parts, " | "))
	}
	return out, rows.Err()
}

func columnList(t *schemas.Table) string {
	names := make([]string, 0, t.Schema.NumFields())
	for _, f := range t.Schema.Fields() {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}
