package cli

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"pricewatch/duckdb"
	"pricewatch/schemas"
)

// errDiffer makes `diff` exit 1 without an error message of its own.
type errDiffer struct{}

func (errDiffer) Error() string { return "the outputs differ" }

func runDiff(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "diff")
	var only listFlag
	fs.Var(&only, "table", "compare only this table (repeatable)")
	samples := fs.Int("samples", 3, "example rows to show per difference")
	snapDir := fs.String("snapshots", "", "list what changed in instrument state between two snapshots of this output folder")
	snapTable := fs.String("snapshot-table", "snapshots", "with --snapshots: the snapshot table (history.snapshots.table)")
	from := fs.String("from", "", "with --snapshots: the first date or RFC 3339 time")
	to := fs.String("to", "", "with --snapshots: the second date or RFC 3339 time")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *snapDir != "" {
		if len(pos) > 0 {
			return usagef("--snapshots takes no output folders as arguments")
		}
		return diffSnapshots(ctx, e, *snapDir, *snapTable, *from, *to)
	}
	if len(pos) != 2 {
		return usagef("want two output folders DIR_A DIR_B, got %d arguments", len(pos))
	}
	tables := schemas.Tables
	if len(only) > 0 {
		tables = nil
		for _, name := range only {
			i := slices.IndexFunc(schemas.Tables, func(t *schemas.Table) bool { return t.Name == name })
			if i < 0 {
				return usagef("--table: %q is not an output table", name)
			}
			tables = append(tables, schemas.Tables[i])
		}
	}
	diffs, err := duckdb.Diff(ctx, pos[0], pos[1], tables, *samples)
	if err != nil {
		return err
	}
	if len(only) == 0 { // and the tables of the configs' history layouts
		more, err := duckdb.DiffOthers(ctx, pos[0], pos[1], schemas.Tables, *samples)
		if err != nil {
			return err
		}
		diffs = append(diffs, more...)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "table\tonly_in_a\tonly_in_b\tchanged\tsame")
	differ := false
	for _, d := range diffs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", d.Table, d.OnlyA, d.OnlyB, d.Changed, d.Same)
		differ = differ || d.Differs()
	}
	tw.Flush()
	for _, d := range diffs {
		for _, r := range d.SampleA {
			fmt.Fprintf(e.stdout, "  %s < %s\n", d.Table, r)
		}
		for _, r := range d.SampleB {
			fmt.Fprintf(e.stdout, "  %s > %s\n", d.Table, r)
		}
	}
	if differ {
		return errDiffer{}
	}
	fmt.Fprintln(e.stdout, "the outputs are equal")
	return nil
}

// diffSnapshots lists the attributes whose values differ between the
// snapshots at two dates.
func diffSnapshots(ctx context.Context, e *env, dir, table, from, to string) error {
	var t [2]time.Time
	for i, v := range []string{from, to} {
		var err error
		if t[i], err = parseWhen(v); err != nil {
			return usagef("--from/--to: %q is not a date (YYYY-MM-DD) or an RFC 3339 time", v)
		}
	}
	db, err := duckdb.OpenReadOnly(filepath.Join(dir, duckdb.FileName))
	if err != nil {
		return err
	}
	defer db.Close()
	a, b, changes, err := duckdb.SnapshotDiff(ctx, db, table, t[0], t[1])
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "snapshots of %s: %s -> %s, %d changed attributes\n", table,
		a.UTC().Format(time.RFC3339), b.UTC().Format(time.RFC3339), len(changes))
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "instrument_id\tattribute\tfrom\tto")
	for _, c := range changes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.InstrumentID, c.Attribute, nullText(c.From), nullText(c.To))
	}
	return tw.Flush()
}

func nullText(s sql.NullString) string {
	if !s.Valid {
		return "NULL"
	}
	return s.String
}

// parseWhen reads a date (midnight UTC) or an RFC 3339 time.
func parseWhen(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, v)
}
