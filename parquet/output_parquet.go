// Package parquet writes the job's output tables as Parquet files, one file
// per table, partition and epoch (offset range), hive-partitioned by source
// partition: DIR/parquet/<table>/partition=<p>/<table>-<from>-<to>.parquet.
// Files are written under a temporary name and renamed, so a reader never
// sees a half-written file and a re-run of the same epoch replaces its file.
package parquet

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Dir returns the folder of one table's files for one source partition.
func Dir(root, table string, partition int32) string {
	return filepath.Join(root, "parquet", table, "partition="+strconv.Itoa(int(partition)))
}

// FileName returns the name of an epoch's file of a table.
func FileName(table string, epoch, from, to int64) string {
	return fmt.Sprintf("%s-e%010d-%020d-%020d.parquet", table, epoch, from, to)
}

// Path returns the file of one table, partition and epoch: the epoch's
// ordinal for the partition and its offsets [from, to]. An epoch that only
// flushes state at the end of input has to = from-1.
func Path(root, table string, partition int32, epoch, from, to int64) string {
	return filepath.Join(Dir(root, table, partition), FileName(table, epoch, from, to))
}

// WriteFile writes rec to path atomically. The bytes depend only on rec and
// the options.
func WriteFile(path string, rec arrow.RecordBatch, opts ...Opt) error {
	return WriteRecords(path, rec.Schema(), func(yield func(arrow.RecordBatch) error) error { return yield(rec) }, opts...)
}

// WriteRecords writes the records that each yields, one row group each, to
// path atomically (a temporary name, synced, then renamed). The bytes depend
// only on the records and the options.
func WriteRecords(path string, schema *arrow.Schema, each func(yield func(arrow.RecordBatch) error) error, opts ...Opt) error {
	var c writeCfg
	for _, o := range opts {
		o.apply(&c)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("parquet: cannot create %q: %w", filepath.Dir(path), err)
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("parquet: cannot create %q: %w", tmp, err)
	}
	bw := writers.Get().(*bufio.Writer)
	bw.Reset(f)
	defer func() { bw.Reset(nil); writers.Put(bw) }()
	w, err := pqarrow.NewFileWriter(schema, bw, writerProps(schema, c.compression), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err == nil {
		err = each(w.Write)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncFile(tmp)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("parquet: cannot write %q: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("parquet: cannot rename %q: %w", tmp, err)
	}
	return nil
}

// writers are the file buffers of WriteRecords, reused from file to file (a
// backfill writes hundreds of files; their buffers were 4% of its garbage).
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 1<<20) }}

// writerProps: the compression c (Snappy is this package's fast encoder,
// see fastSnappy), no dictionary encoding, and statistics for the time
// columns and the source offsets only (what queries filter on, to skip
// files). Hashing every value for dictionaries, and min/max of every other
// column, cost more than the rest of the write, for files 5% smaller.
//
// 64-bit integer and time columns are DELTA_BINARY_PACKED, but for those
// listed in plainColumns: counts, offsets and window bounds run in small
// steps or not at all, and their deltas pack into a few bits where Snappy
// left a third to a half of the plain values. In the standard workload's
// window bars, count took 18% of the bytes it took plain with Snappy, and
// window_start, window_end, late_updates and src_offset 1-5%, for no more
// CPU: this makes up for the fast Snappy encoder's larger blocks.
func writerProps(schema *arrow.Schema, c Compression) *pq.WriterProperties {
	opts := []pq.WriterProperty{pq.WithCompression(c.codec()), pq.WithCreatedBy("pricewatch"),
		pq.WithDictionaryDefault(false), pq.WithStats(false)}
	for _, f := range schema.Fields() {
		id := f.Type.ID()
		if (id == arrow.INT64 || id == arrow.TIMESTAMP) && !plainColumns[f.Name] {
			opts = append(opts, pq.WithEncodingFor(f.Name, pq.Encodings.DeltaBinaryPacked))
		}
		if id == arrow.TIMESTAMP || f.Name == "src_offset" {
			opts = append(opts, pq.WithStatsFor(f.Name, true))
		}
	}
	return pq.NewWriterProperties(opts...)
}

// plainColumns are the 64-bit columns left PLAIN: a window bar's first and
// last event times vary from row to row by up to the window's length, and
// their deltas took 2-16% more than the plain values with Snappy.
var plainColumns = map[string]bool{"first_time": true, "last_time": true}

// syncFile flushes a closed file to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// RemoveAfter deletes the files of a partition whose epoch ordinal is above
// epochs, and stray temporary files: the leftovers of epochs that were written
// but never committed. A lane calls it when it restores its checkpoint, before
// it processes anything.
func RemoveAfter(root, table string, partition int32, epochs int64) error {
	return RemoveAfterIn(Dir(root, table, partition), table, epochs)
}

// RemoveAfterIn is RemoveAfter for the files of a table in one folder.
func RemoveAfterIn(dir, table string, epochs int64) error {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("parquet: cannot list %q: %w", dir, err)
	}
	for _, e := range ents {
		name := e.Name()
		n, ok := epochOf(name, table)
		if strings.HasSuffix(name, ".tmp") || (ok && n > epochs) {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("parquet: cannot remove %q: %w", name, err)
			}
		}
	}
	return nil
}

func epochOf(name, table string) (int64, bool) {
	rest, ok := strings.CutPrefix(name, table+"-e")
	if !ok || !strings.HasSuffix(rest, ".parquet") {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	return n, err == nil
}
