package duckdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"pricewatch/parquet"
	"pricewatch/schemas"
)

// BenchmarkCommit commits epochs as a lane of a streaming run does: a file
// of window bars and one of anomalies listed, and a checkpoint of 64 KiB.
func BenchmarkCommit(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(filepath.Join(dir, FileName), schemas.Tables, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	mem := memory.NewGoAllocator()
	batch := &schemas.Batch{Anomalies: []schemas.Anomaly{{InstrumentID: "A", Detector: "jump", Attribute: "price", Reason: "r"}}}
	batch.AppendBars([]schemas.WindowBar{{InstrumentID: "A", Attribute: "price", WindowKind: "tumbling", WindowEnd: 60e6}})
	var files []TableFile
	for _, t := range []*schemas.Table{&schemas.WindowBars, &schemas.Anomalies} {
		path := parquet.Path(dir, t.Name, 0, 1, 0, 9)
		rec := batch.Record(mem, t)
		err := parquet.WriteFile(path, rec)
		rec.Release()
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, TableFile{Table: t, Path: path, Rows: 1})
	}
	state := make([]byte, 64<<10)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		e := &Epoch{Source: "t", Partition: 0, From: int64(i) * 10, To: int64(i)*10 + 9, Files: files,
			Checkpoint: Checkpoint{NextOffset: int64(i)*10 + 10, Epochs: int64(i) + 1, State: state}}
		if err := s.Commit(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}
