package parquet

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"pricewatch/schemas"
)

// bars returns n window bars of 1,000 instruments, as a lane emits them.
func bars(n int) *schemas.Batch {
	var b schemas.Batch
	rows := make([]schemas.WindowBar, n)
	for i := range rows {
		p := 100 + float64(i%977)/10
		rows[i] = schemas.WindowBar{InstrumentID: fmt.Sprintf("INST%05d", i%1000), Attribute: "price", WindowKind: "tumbling",
			WindowStart: int64(i/1000) * 60e6, WindowEnd: int64(i/1000+1) * 60e6, Open: p, High: p + 1, Low: p - 1, Close: p + 0.5,
			Count: int64(i%50 + 1), Sum: p * 10, Mean: p, Variance: 0.25, Volume: 1000, VWAP: p, HasVWAP: true,
			FirstTime: int64(i/1000)*60e6 + 1, LastTime: int64(i/1000)*60e6 + 59e6, SrcPartition: 1, SrcOffset: int64(i)}
	}
	b.AppendBars(rows)
	return &b
}

// TestWriteFileIsDeterministic writes the same rows twice: the files are
// byte-identical, and no temporary file is left.
func TestWriteFileIsDeterministic(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	b := bars(5000)
	var files [2][]byte
	for i := range files {
		rec := b.Record(mem, &schemas.WindowBars)
		path := Path(dir, "window_bars", 1, int64(i+1), 0, 4999)
		err := WriteFile(path, rec)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
		if files[i], err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("the same rows gave different files")
	}
	if tmps, _ := filepath.Glob(filepath.Join(Dir(dir, "window_bars", 1), "*.tmp")); len(tmps) > 0 {
		t.Errorf("temporary files left: %v", tmps)
	}
}

// BenchmarkWriteBars measures the Parquet sink per window bar: building the
// Arrow record from the rows and writing the file.
func BenchmarkWriteBars(b *testing.B) {
	mem := memory.NewGoAllocator()
	dir := b.TempDir()
	rows := bars(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := rows.Record(mem, &schemas.WindowBars)
		if err := WriteFile(filepath.Join(dir, "bars.parquet"), rec); err != nil {
			b.Fatal(err)
		}
		rec.Release()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/row")
}

// BenchmarkRecordBars measures building the Arrow record alone.
func BenchmarkRecordBars(b *testing.B) {
	mem := memory.NewGoAllocator()
	rows := bars(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows.Record(mem, &schemas.WindowBars).Release()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/row")
}
