package duckdb

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"pricewatch/parquet"
	"pricewatch/schemas"
)

// TestFileTablesShowCommittedFilesOnly writes anomalies for three epochs:
// the first committed, the second committed twice (a replay writes the same
// file again), the third written but never committed. The view holds the
// rows of the first two once each, and Anomalies returns them in order. The
// folder's name has a quote, which the SQL of the listing and views escapes.
func TestFileTablesShowCommittedFilesOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "it's")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s, err := Open(filepath.Join(dir, FileName), schemas.Tables, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	count := func() int {
		t.Helper()
		var n int
		if err := s.DB().QueryRow(`SELECT count(*) FROM anomalies`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("empty outputs: %d anomalies", n)
	}
	write := func(epoch int64, commit bool) {
		t.Helper()
		b := &schemas.Batch{Anomalies: []schemas.Anomaly{
			{InstrumentID: "A", Detector: "jump", Attribute: "price", Reason: "second", SrcOffset: 10 * epoch},
			{InstrumentID: "B", Detector: "jump", Attribute: "price", Reason: "first", SrcOffset: 10*epoch - 1},
		}}
		rec := b.Record(mem, &schemas.Anomalies)
		path := parquet.Path(dir, "anomalies", 0, epoch, 10*epoch-9, 10*epoch)
		err := parquet.WriteFile(path, rec)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
		if !commit {
			return
		}
		e := &Epoch{Source: "t", Partition: 0, From: 10*epoch - 9, To: 10 * epoch,
			Files:      []TableFile{{Table: &schemas.Anomalies, Path: path, Rows: 2}},
			Checkpoint: Checkpoint{NextOffset: 10*epoch + 1, Epochs: epoch}}
		if err := s.Commit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	write(1, true)
	write(2, true)
	write(2, true)
	write(3, false)
	if n := count(); n != 4 {
		t.Fatalf("%d anomalies, want 4: two committed epochs of 2, once each", n)
	}
	got, err := s.Anomalies(ctx, 0, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var order []int64
	for _, a := range got {
		order = append(order, a.SrcOffset)
	}
	if len(order) != 4 || order[0] != 9 || order[1] != 10 || order[2] != 19 || order[3] != 20 {
		t.Fatalf("Anomalies in offset order: %v, want [9 10 19 20]", order)
	}
}
