package parquet

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// SchemaFileName is the row-less file at the top of each table's folder. It
// carries the table's schema, so that a glob over the folder matches a file
// before any epoch has written one.
const SchemaFileName = "_schema.parquet"

// TableDir returns the folder of a table's files (all partitions).
func TableDir(root, table string) string {
	return filepath.Join(root, "parquet", table)
}

// EnsureSchemaFile writes the table's schema file unless it exists. An
// existing one must have the schema's columns: a folder that another version
// of pricewatch wrote with other columns is refused, since a glob over old
// and new files would not read.
func EnsureSchemaFile(root, table string, schema *arrow.Schema) error {
	path := filepath.Join(TableDir(root, table), SchemaFileName)
	if _, err := os.Stat(path); err == nil {
		return checkSchemaFile(path, schema)
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	rec := rb.NewRecordBatch()
	defer rec.Release()
	return WriteFile(path, rec)
}

// checkSchemaFile compares the columns of the schema file at path with
// schema's.
func checkSchemaFile(path string, schema *arrow.Schema) error {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return fmt.Errorf("parquet: cannot open %q: %w", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return fmt.Errorf("parquet: cannot read %q: %w", path, err)
	}
	got, err := fr.Schema()
	if err != nil {
		return fmt.Errorf("parquet: cannot read the schema of %q: %w", path, err)
	}
	if d := columnsDiffer(got, schema); d != "" {
		return fmt.Errorf("parquet: %q has other columns than this pricewatch writes (%s): the folder was written by another version; use a new output folder", path, d)
	}
	return nil
}

// columnsDiffer says how the columns of got differ from want's (names,
// types, nullability, in order), or "" when they do not.
func columnsDiffer(got, want *arrow.Schema) string {
	for i, w := range want.Fields() {
		if i >= got.NumFields() {
			return fmt.Sprintf("no column %q", w.Name)
		}
		g := got.Field(i)
		if g.Name != w.Name || !arrow.TypeEqual(g.Type, w.Type) || g.Nullable != w.Nullable {
			return fmt.Sprintf("column %d is %s %s, want %s %s", i+1, g.Name, g.Type, w.Name, w.Type)
		}
	}
	if got.NumFields() > want.NumFields() {
		return fmt.Sprintf("an extra column %q", got.Field(want.NumFields()).Name)
	}
	return ""
}

// MkdirFor creates the folder of a file path.
func MkdirFor(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("parquet: cannot create %q: %w", filepath.Dir(path), err)
	}
	return nil
}
