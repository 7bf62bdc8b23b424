package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"

	"pricewatch/gen"
	"pricewatch/jobs"
	"pricewatch/parquet"
)

// TestCompressionKeepsRows backfills the same input, with the archive on,
// under each parquet.compression: every table has the same rows, every
// Parquet file the job wrote (tables and archive) has the compression asked
// for, and a backfill of a zstd archive gives the rows again.
func TestCompressionKeepsRows(t *testing.T) {
	s := gen.DefaultSpec()
	s.Instruments, s.Events = 40, 20000
	input, _ := genFile(t, s)
	want := map[parquet.Compression]compress.Compression{
		parquet.Snappy: compress.Codecs.Snappy, parquet.Zstd: compress.Codecs.Zstd, parquet.None: compress.Codecs.Uncompressed}
	var first map[string][]string
	outs := map[parquet.Compression]string{}
	for _, c := range parquet.Compressions {
		cfg := jobs.DefaultConfig()
		cfg.Archive.Enabled = true
		cfg.Epoch.Records = 3000
		cfg.Parquet.Compression = c
		out := t.TempDir()
		outs[c] = out
		if _, err := jobs.Backfill(context.Background(), cfg, out, jobs.BackfillInput{Files: []string{input}}); err != nil {
			t.Fatal(err)
		}
		got := tables(t, out)
		if first == nil {
			first = got
		} else {
			equalTables(t, first, got)
		}
		n := 0
		err := filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".parquet") || d.Name() == "_schema.parquet" {
				return err
			}
			n++
			if codec := fileCodec(t, path); codec != want[c] {
				t.Errorf("%s: %s, want %s", path, codec, want[c])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n < 10 {
			t.Errorf("%s: only %d Parquet files", c, n)
		}
	}
	replay := t.TempDir()
	if _, err := jobs.Backfill(context.Background(), jobs.DefaultConfig(), replay, jobs.BackfillInput{Archive: outs[parquet.Zstd]}); err != nil {
		t.Fatal(err)
	}
	equalTables(t, first, tables(t, replay))
}

// fileCodec returns the compression of a Parquet file's first column chunk.
func fileCodec(t *testing.T, path string) compress.Compression {
	t.Helper()
	f, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cc, err := f.MetaData().RowGroup(0).ColumnChunk(0)
	if err != nil {
		t.Fatal(err)
	}
	return cc.Compression()
}
