package parquet

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// SchemaFileName is the row-less file at the top of each table's folder. It
// carries the table's schema, so that a glob over the folder matches a file
// before any epoch has written one.
const SchemaFileName = "_schema.parquet"

// TableDir returns the folder of a table's files (all partitions).
func TableDir(root, table string) string {
	return filepath.Join(root, "parquet", table)
}

// EnsureSchemaFile writes the table's schema file unless it exists.
func EnsureSchemaFile(root, table string, schema *arrow.Schema) error {
	path := filepath.Join(TableDir(root, table), SchemaFileName)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	rec := rb.NewRecordBatch()
	defer rec.Release()
	return WriteFile(path, rec)
}

// MkdirFor creates the folder of a file path.
func MkdirFor(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("parquet: cannot create %q: %w", filepath.Dir(path), err)
	}
	return nil
}
