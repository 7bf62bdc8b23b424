package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"

	"pricewatch/parquet"
	"pricewatch/schemas"
)

// A file table is an output table without a key (window_bars, late_events,
// anomalies, dead_letters): its rows are only ever appended, so the epochs'
// Parquet files are its storage, and DuckDB holds a view over them instead of
// a copy. The commit of an epoch lists its files in _pricewatch_files, in the
// transaction that stores the checkpoint; the view reads the table's folder
// and keeps the rows of listed files only, so a file written for an epoch
// that did not commit is never seen, and no epoch is loaded twice.
//
// The views name the output folder by its absolute path: a folder that is
// moved must be opened by `run` or `backfill` once to point them there.

// fileTable reports whether t is stored as Parquet files under a view.
func fileTable(t *schemas.Table) bool { return len(t.Key) == 0 }

// fileViewSQL returns the view of a file table.
func (s *Store) fileViewSQL(t *schemas.Table) string {
	return fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * EXCLUDE (filename, file_row_number) FROM (%s)",
		t.Name, s.committedRows(t.Name))
}

// committedRows returns a query of a file table's committed rows with two
// more columns, filename and file_row_number: ordered by them, rows of one
// partition come in the order they were emitted.
func (s *Store) committedRows(table string) string {
	glob := filepath.Join(parquet.TableDir(s.dir, table), "**", "*.parquet")
	return fmt.Sprintf(`SELECT * FROM read_parquet(%s, filename = true, file_row_number = true, hive_partitioning = false)
	WHERE filename IN (SELECT path FROM _pricewatch_files WHERE table_name = %s)`, quote(glob), quote(table))
}

// addFiles lists the committed files of file tables among files: a DELETE of
// their paths (an epoch committed again lists its files again) and one
// INSERT. (INSERT OR REPLACE, which DuckDB runs as a MERGE, took 1.2 ms for
// two files; the two statements take 0.8 ms.)
func addFiles(ctx context.Context, tx *sql.Tx, files []TableFile, partition int32) error {
	var del, ins strings.Builder
	for _, f := range files {
		if !fileTable(f.Table) {
			continue
		}
		path, err := filepath.Abs(f.Path)
		if err != nil {
			return fmt.Errorf("duckdb: cannot add %q to %s: %w", f.Path, f.Table.Name, err)
		}
		if ins.Len() == 0 {
			del.WriteString("DELETE FROM _pricewatch_files WHERE path IN (")
			ins.WriteString("INSERT INTO _pricewatch_files VALUES ")
		} else {
			del.WriteString(", ")
			ins.WriteString(", ")
		}
		del.WriteString(quote(path))
		fmt.Fprintf(&ins, "(%s, %s, %d, %d)", quote(f.Table.Name), quote(path), partition, f.Rows)
	}
	if ins.Len() == 0 {
		return nil
	}
	del.WriteString(")")
	for _, q := range []string{del.String(), ins.String()} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb: cannot list the files of partition %d: %w", partition, err)
		}
	}
	return nil
}

// AppendRows adds rows to an output table outside any epoch: insert is what
// follows "INSERT INTO <table>" in SQL ("VALUES (...)", "BY NAME SELECT ...").
// For a file table the rows become one more committed file of partition -1.
// It is for fixtures and imports; the job itself commits epochs.
func (s *Store) AppendRows(ctx context.Context, t *schemas.Table, insert string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !fileTable(t) {
		if _, err := s.db.ExecContext(ctx, "INSERT INTO "+t.Name+" "+insert); err != nil {
			return fmt.Errorf("duckdb: cannot append to %s: %w", t.Name, err)
		}
		return nil
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM _pricewatch_files WHERE table_name = ? AND src_partition = -1`,
		t.Name).Scan(&n); err != nil {
		return fmt.Errorf("duckdb: cannot append to %s: %w", t.Name, err)
	}
	path := filepath.Join(parquet.Dir(s.dir, t.Name, -1), fmt.Sprintf("%s-appended-%d.parquet", t.Name, n+1))
	tmp := "_pricewatch_append_" + t.Name
	ddl := strings.Replace(CreateTableSQL(t), "CREATE TABLE IF NOT EXISTS "+t.Name, "CREATE OR REPLACE TEMP TABLE "+tmp, 1)
	var rows int64
	for _, q := range []string{ddl, "INSERT INTO " + tmp + " " + insert} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb: cannot append to %s: %w", t.Name, err)
		}
	}
	if err := parquet.MkdirFor(path); err != nil {
		return err
	}
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+tmp).Scan(&rows); err != nil {
		return fmt.Errorf("duckdb: cannot append to %s: %w", t.Name, err)
	}
	for _, q := range []string{
		fmt.Sprintf("COPY %s TO %s (FORMAT parquet)", tmp, quote(path)),
		fmt.Sprintf("INSERT OR REPLACE INTO _pricewatch_files VALUES (%s, %s, -1, %d)", quote(t.Name), quote(path), rows),
		"DROP TABLE " + tmp,
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb: cannot append to %s: %w", t.Name, err)
		}
	}
	return nil
}
