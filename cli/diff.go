package cli

import (
	"context"
	"fmt"
	"slices"
	"text/tabwriter"

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
	pos, err := parse(fs, args)
	if err != nil {
		return err
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
