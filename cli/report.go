package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"pricewatch/duckdb"
	"pricewatch/report"
)

func runReport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "report")
	out := fs.String("out", "pricewatch-out", "output folder to report on")
	var instruments listFlag
	fs.Var(&instruments, "instrument", fmt.Sprintf("instrument to chart (repeatable, or comma-separated); default: the %d with the most anomalies", report.DefaultTopN))
	file := fs.String("file", "", "HTML file to write (default DIR/report.html)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	path, err := writeReport(ctx, *out, *file, instruments)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, path)
	return nil
}

// writeReport writes the HTML report of the outputs in the folder out to
// file ("" means out/report.html), charting the given instruments (none
// means the ones with the most anomalies), and returns the file's path.
// The file is replaced whole: it is written under a temporary name and
// renamed.
func writeReport(ctx context.Context, out, file string, instruments []string) (string, error) {
	if file == "" {
		file = filepath.Join(out, "report.html")
	}
	db, err := duckdb.OpenReadOnly(filepath.Join(out, duckdb.FileName))
	if err != nil {
		return "", err
	}
	defer db.Close()
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return "", fmt.Errorf("cannot write report: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if err := report.Write(ctx, db, tmp, report.Options{Instruments: instruments}); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return "", fmt.Errorf("cannot write report: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("cannot write report: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return "", fmt.Errorf("cannot write report: %w", err)
	}
	return file, nil
}
