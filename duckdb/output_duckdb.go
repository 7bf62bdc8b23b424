// Package duckdb keeps the job's outputs in one DuckDB file: a table per
// output table (created from its Arrow schema), and the checkpoint of every
// lane, stored in the same transaction as the rows of the epoch that
// produced it (the checkpoint's state in a file the row names, see
// state_file.go).
package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/crc32"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"pricewatch/parquet"
	"pricewatch/schemas"
)

// FileName is the DuckDB file inside an output folder.
const FileName = "pricewatch.duckdb"

// _pricewatch_checkpoints names each lane's state file (see state_file.go).
const checkpointsDDL = `CREATE TABLE IF NOT EXISTS _pricewatch_checkpoints (
	source VARCHAR NOT NULL, src_partition INTEGER NOT NULL, next_offset BIGINT NOT NULL,
	state_file VARCHAR NOT NULL, state_bytes BIGINT NOT NULL, state_crc BIGINT NOT NULL,
	epochs BIGINT NOT NULL, PRIMARY KEY (source, src_partition))`

// _pricewatch_epochs holds processing-time facts; it is left out of comparisons.
const epochsDDL = `CREATE TABLE IF NOT EXISTS _pricewatch_epochs (
	source VARCHAR NOT NULL, src_partition INTEGER NOT NULL, from_offset BIGINT NOT NULL,
	to_offset BIGINT NOT NULL, rows BIGINT NOT NULL, committed_at TIMESTAMP NOT NULL)`

// _pricewatch_files lists the committed Parquet files of the file tables.
const filesDDL = `CREATE TABLE IF NOT EXISTS _pricewatch_files (
	table_name VARCHAR NOT NULL, path VARCHAR NOT NULL, src_partition INTEGER NOT NULL,
	rows BIGINT NOT NULL, PRIMARY KEY (path))`

// Store is an open output database. It is safe for concurrent use; commits
// are serialised.
type Store struct {
	db  *sql.DB
	dir string     // the output folder (the database file's), absolute
	mu  sync.Mutex // serialises commits and appends
	// The statements of every commit, prepared once.
	updCheckpoint, addCheckpoint, addEpoch *sql.Stmt
}

// Open opens (creating if needed) the DuckDB file at path with the given
// output tables, then runs the statements of views (CREATE OR REPLACE VIEW or
// MACRO statements shipped with the outputs).
func Open(path string, tables []*schemas.Table, views []string) (*Store, error) {
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return nil, fmt.Errorf("duckdb: cannot open %q: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("duckdb: cannot open %q: %w", path, err)
	}
	s := &Store{db: db, dir: dir}
	if err := s.create(tables, views); err != nil {
		db.Close()
		return nil, fmt.Errorf("duckdb: cannot open %q: %w", path, err)
	}
	if err := s.prepare(); err != nil {
		db.Close()
		return nil, fmt.Errorf("duckdb: cannot open %q: %w", path, err)
	}
	return s, nil
}

// OpenReadOnly opens an existing output database for queries.
func OpenReadOnly(path string) (*sql.DB, error) {
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		return nil, fmt.Errorf("duckdb: cannot open %q: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("duckdb: cannot open %q: %w", path, err)
	}
	return db, nil
}

func (s *Store) create(tables []*schemas.Table, views []string) error {
	// The job's own use of DuckDB is loading one epoch at a time: bound its
	// buffer pool so that the process's memory stays flat (DuckDB's default
	// is 80% of RAM), and run its statements on the calling thread (the
	// statements of a commit are small; handing them to worker threads cost
	// more than running them, on cores the lanes need).
	for _, q := range []string{"SET memory_limit = '512MB'", "SET threads = 1", "SET checkpoint_threshold = '256MB'", checkpointsDDL, epochsDDL, filesDDL} {
		if _, err := s.db.Exec(q); err != nil {
			return fmt.Errorf("cannot run %q: %w", firstLine(q), err)
		}
	}
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM duckdb_columns()
		WHERE table_name = '_pricewatch_checkpoints' AND column_name = 'state_file'`).Scan(&n); err != nil || n != 1 {
		return errors.New("it was written by an older pricewatch (its checkpoints hold no state_file); use a new output folder")
	}
	var stmts []string
	for _, t := range tables {
		if !fileTable(t) {
			stmts = append(stmts, CreateTableSQL(t))
			continue
		}
		if err := parquet.EnsureSchemaFile(s.dir, t.Name, t.Schema); err != nil {
			return err
		}
		stmts = append(stmts, s.fileViewSQL(t))
	}
	stmts = append(stmts, views...)
	for _, q := range stmts {
		if _, err := s.db.Exec(q); err != nil {
			return fmt.Errorf("cannot run %q: %w", firstLine(q), err)
		}
	}
	return nil
}

// CreateTableSQL returns the CREATE TABLE statement of an output table.
func CreateTableSQL(t *schemas.Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (", t.Name)
	for i, f := range t.Schema.Fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", f.Name, sqlType(f.Type))
		if !f.Nullable {
			b.WriteString(" NOT NULL")
		}
	}
	if len(t.Key) > 0 {
		fmt.Fprintf(&b, ", PRIMARY KEY (%s)", strings.Join(t.Key, ", "))
	}
	b.WriteString(")")
	return b.String()
}

func sqlType(t arrow.DataType) string {
	switch t.ID() {
	case arrow.STRING:
		return "VARCHAR"
	case arrow.BINARY:
		return "BLOB"
	case arrow.INT64:
		return "BIGINT"
	case arrow.INT32:
		return "INTEGER"
	case arrow.FLOAT64:
		return "DOUBLE"
	case arrow.BOOL:
		return "BOOLEAN"
	case arrow.TIMESTAMP:
		return "TIMESTAMP"
	}
	panic("duckdb: no SQL type for " + t.String())
}

// Checkpoint is a lane's saved position and state.
type Checkpoint struct {
	NextOffset int64
	State      []byte
	Epochs     int64
}

// Load returns the checkpoint of a source partition, and false when none.
func (s *Store) Load(ctx context.Context, source string, partition int32) (Checkpoint, bool, error) {
	var c Checkpoint
	var file string
	var size, crc int64
	err := s.db.QueryRowContext(ctx, `SELECT next_offset, state_file, state_bytes, state_crc, epochs FROM _pricewatch_checkpoints
		WHERE source = ? AND src_partition = ?`, source, partition).Scan(&c.NextOffset, &file, &size, &crc, &c.Epochs)
	if errors.Is(err, sql.ErrNoRows) {
		return Checkpoint{}, false, s.pruneStates(source, partition, -1)
	}
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("duckdb: cannot load checkpoint of %s/%d: %w", source, partition, err)
	}
	if c.State, err = s.readState(file, size, crc); err != nil {
		return Checkpoint{}, false, err
	}
	return c, true, s.pruneStates(source, partition, c.Epochs)
}

// Anomalies returns the anomalies of a source partition's offsets [from, to),
// in the order they were emitted.
func (s *Store) Anomalies(ctx context.Context, partition int32, from, to int64) ([]schemas.Anomaly, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT instrument_id, epoch_us(event_time), detector, attribute, observed,
		expected, threshold, score, reason, src_partition, src_offset FROM (`+s.committedRows(schemas.Anomalies.Name)+`)
		WHERE src_partition = ? AND src_offset >= ? AND src_offset < ? ORDER BY src_offset, filename, file_row_number`, partition, from, to)
	if err != nil {
		return nil, fmt.Errorf("duckdb: cannot read anomalies: %w", err)
	}
	defer rows.Close()
	var out []schemas.Anomaly
	for rows.Next() {
		var a schemas.Anomaly
		if err := rows.Scan(&a.InstrumentID, &a.EventTime, &a.Detector, &a.Attribute, &a.Observed, &a.Expected,
			&a.Threshold, &a.Score, &a.Reason, &a.SrcPartition, &a.SrcOffset); err != nil {
			return nil, fmt.Errorf("duckdb: cannot read anomalies: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// TableFile is one epoch's Parquet file of one table.
type TableFile struct {
	Table *schemas.Table
	Path  string
	Rows  int
}

// Epoch is what one lane commits at once: the files of its rows for offsets
// [From, To] and the checkpoint that resumes after them.
type Epoch struct {
	Source     string
	Partition  int32
	From, To   int64
	Files      []TableFile
	Checkpoint Checkpoint
}

// Commit stores an epoch in one transaction: its files of file tables are
// listed (see file_table.go), those of keyed tables loaded, and the
// checkpoint stored. Either all of it is durable or none.
func (s *Store) Commit(ctx context.Context, e *Epoch) error {
	file, err := s.writeState(e.Source, e.Partition, e.Checkpoint.Epochs, e.Checkpoint.State)
	if err != nil {
		return err
	}
	if err := s.commit(ctx, e, file); err != nil {
		return err
	}
	return s.pruneStates(e.Source, e.Partition, e.Checkpoint.Epochs)
}

func (s *Store) commit(ctx context.Context, e *Epoch, file string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("duckdb: cannot begin epoch %s/%d@%d: %w", e.Source, e.Partition, e.From, err)
	}
	defer tx.Rollback()
	rows := 0
	for _, f := range e.Files {
		rows += f.Rows
		if fileTable(f.Table) {
			continue
		}
		if _, err := tx.ExecContext(ctx, insertSQL(f)); err != nil {
			return fmt.Errorf("duckdb: cannot load %q into %s: %w", f.Path, f.Table.Name, err)
		}
	}
	if err := addFiles(ctx, tx, e.Files, e.Partition); err != nil {
		return err
	}
	if err := s.storeCheckpoint(ctx, tx, e, file); err != nil {
		return err
	}
	if _, err := tx.StmtContext(ctx, s.addEpoch).ExecContext(ctx,
		e.Source, e.Partition, e.From, e.To, rows, time.Now().UTC()); err != nil {
		return fmt.Errorf("duckdb: cannot record epoch of %s/%d: %w", e.Source, e.Partition, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("duckdb: cannot commit epoch %s/%d@%d: %w", e.Source, e.Partition, e.From, err)
	}
	return nil
}

// insertSQL loads a Parquet file into its keyed table, keeping the newest
// version of each key.
func insertSQL(f TableFile) string {
	src := "read_parquet(" + quote(f.Path) + ", hive_partitioning = false)"
	return fmt.Sprintf("INSERT OR REPLACE INTO %s BY NAME SELECT * FROM %s QUALIFY row_number() OVER (PARTITION BY %s ORDER BY %s DESC) = 1",
		f.Table.Name, src, strings.Join(f.Table.Key, ", "), f.Table.Version)
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func firstLine(q string) string {
	q, _, _ = strings.Cut(q, "\n")
	return q
}

// DB returns the underlying database, for queries.
func (s *Store) DB() *sql.DB { return s.db }

// storeCheckpoint stores the epoch's checkpoint row: an UPDATE of the lane's
// row, or an INSERT for its first. (INSERT OR REPLACE, which DuckDB runs as
// a MERGE, took 1.2 ms a commit; the UPDATE takes 0.4 ms.)
func (s *Store) storeCheckpoint(ctx context.Context, tx *sql.Tx, e *Epoch, file string) error {
	c := e.Checkpoint
	crc := int64(crc32.Checksum(c.State, castagnoli))
	r, err := tx.StmtContext(ctx, s.updCheckpoint).ExecContext(ctx, c.NextOffset, file, len(c.State), crc, c.Epochs, e.Source, e.Partition)
	var n int64
	if err == nil {
		n, err = r.RowsAffected()
	}
	if err == nil && n == 0 {
		_, err = tx.StmtContext(ctx, s.addCheckpoint).ExecContext(ctx, e.Source, e.Partition, c.NextOffset, file, len(c.State), crc, c.Epochs)
	}
	if err != nil {
		return fmt.Errorf("duckdb: cannot store checkpoint of %s/%d: %w", e.Source, e.Partition, err)
	}
	return nil
}

// prepare prepares the statements of every commit.
func (s *Store) prepare() error {
	var err error
	if s.updCheckpoint, err = s.db.Prepare(`UPDATE _pricewatch_checkpoints
		SET next_offset = ?, state_file = ?, state_bytes = ?, state_crc = ?, epochs = ? WHERE source = ? AND src_partition = ?`); err != nil {
		return fmt.Errorf("cannot prepare the checkpoint statements: %w", err)
	}
	if s.addCheckpoint, err = s.db.Prepare(`INSERT INTO _pricewatch_checkpoints VALUES (?, ?, ?, ?, ?, ?, ?)`); err != nil {
		return fmt.Errorf("cannot prepare the checkpoint statements: %w", err)
	}
	if s.addEpoch, err = s.db.Prepare(`INSERT INTO _pricewatch_epochs VALUES (?, ?, ?, ?, ?, ?)`); err != nil {
		return fmt.Errorf("cannot prepare the epoch statement: %w", err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("duckdb: cannot close: %w", err)
	}
	return nil
}
