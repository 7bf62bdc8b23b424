package cli

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	gojson "github.com/goccy/go-json"

	"pricewatch/duckdb"
)

func runSQL(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sql")
	out := fs.String("out", "pricewatch-out", "output folder to query")
	format := fs.String("format", "table", "output format: table, csv or json")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want exactly one QUERY argument, got %d", len(pos))
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return usagef("--format: %q is not allowed; want table, csv or json", *format)
	}
	db, err := duckdb.OpenReadOnly(filepath.Join(*out, duckdb.FileName))
	if err != nil {
		return err
	}
	defer db.Close()
	return query(ctx, db, pos[0], *format, e.stdout)
}

// query runs q and writes its rows to w in the given format.
func query(ctx context.Context, db *sql.DB, q, format string, w io.Writer) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	var table [][]string
	var objs []map[string]any
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if format == "json" {
			m := make(map[string]any, len(cols))
			for i, c := range cols {
				m[c] = jsonValue(vals[i])
			}
			objs = append(objs, m)
			continue
		}
		rec := make([]string, len(cols))
		for i := range vals {
			rec[i] = text(vals[i])
		}
		table = append(table, rec)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	switch format {
	case "json":
		enc := gojson.NewEncoder(w)
		for _, o := range objs {
			if err := enc.Encode(o); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(cols)
		cw.WriteAll(table)
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, r := range table {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	fmt.Fprintf(tw, "(%d rows)\n", len(table))
	return tw.Flush()
}

// text formats a value for table and CSV output; NULL is empty.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999999")
	case []byte:
		return string(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	}
	return fmt.Sprint(v)
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return text(x)
		}
	}
	return v
}
