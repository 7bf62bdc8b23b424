package parquet

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"pricewatch/schemas"
)

// bars returns n window bars of 10,000 instruments as a lane emits them in
// an epoch of the standard workload: a minute's bars of every instrument at a
// time, a third tumbling 1 m and two thirds hopping 5 m, event times in
// milliseconds, prices in ticks that stay put within the window about half of
// the time, and the source offset of the event that closed the windows.
func bars(n int) *schemas.Batch {
	const instruments = 10_000
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]string, instruments)
	price := make([]float64, instruments)
	for i := range ids {
		ids[i] = fmt.Sprintf("%06d", 1000+i*29)
		price[i] = float64(10+rng.IntN(2000)) * 100
	}
	rows := make([]schemas.WindowBar, n)
	offset := int64(1_000_000)
	for i := range rows {
		inst, block := i%instruments, int64(i/instruments)
		kind, start, size := "hopping", (block/3)*60e6-240e6, int64(300e6)
		if block%3 == 0 {
			kind, start, size = "tumbling", (block/3)*60e6, 60e6
		}
		open := price[inst]
		high, low, cls, vari := open, open, open, 0.0
		if rng.IntN(2) == 0 {
			cls = open + 100*float64(rng.IntN(5)-2)
			high, low = max(open, cls)+100*float64(rng.IntN(2)), min(open, cls)-100*float64(rng.IntN(2))
			vari = float64(rng.IntN(1_000_000)) / 7
			price[inst] = cls
		}
		count := int64(1 + rng.IntN(40))
		mean := (low + high) / 2
		vol := float64(count * int64(100+rng.IntN(900)))
		if inst == 0 {
			offset += int64(1000 + rng.IntN(1000)) // the event that closed the minute
		}
		rows[i] = schemas.WindowBar{InstrumentID: ids[inst], Attribute: "price", WindowKind: kind,
			WindowStart: start, WindowEnd: start + size, Open: open, High: high, Low: low, Close: cls,
			Count: count, Sum: mean * float64(count), Mean: mean, Variance: vari, Volume: vol, VWAP: mean, HasVWAP: true,
			FirstTime: start + int64(rng.IntN(1000))*1000, LastTime: start + size - 1000 - int64(rng.IntN(1000))*1000,
			SrcPartition: 1, SrcOffset: offset}
	}
	var b schemas.Batch
	b.AppendBars(rows)
	return &b
}

// TestWriteFileIsDeterministic writes the same rows twice with each
// compression: the files are byte-identical, and no temporary file is left.
func TestWriteFileIsDeterministic(t *testing.T) {
	for _, c := range Compressions {
		t.Run(string(c), func(t *testing.T) { testDeterministic(t, WithCompression(c)) })
	}
}

func testDeterministic(t *testing.T, opts ...Opt) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	b := bars(5000)
	var files [2][]byte
	for i := range files {
		rec := b.Record(mem, &schemas.WindowBars)
		path := Path(dir, "window_bars", 1, int64(i+1), 0, 4999)
		err := WriteFile(path, rec, opts...)
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
// Arrow records from the rows and writing the file, in row groups of 64 Ki
// rows as the job's sink does.
func BenchmarkWriteBars(b *testing.B) {
	mem := memory.NewGoAllocator()
	dir := b.TempDir()
	rows := bars(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := WriteRecords(filepath.Join(dir, "bars.parquet"), schemas.WindowBars.Schema, func(yield func(arrow.RecordBatch) error) error {
			return rows.EachRecord(mem, &schemas.WindowBars, 64<<10, yield)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/row")
	if fi, err := os.Stat(filepath.Join(dir, "bars.parquet")); err == nil {
		b.ReportMetric(float64(fi.Size())/100_000, "file-B/row")
	}
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

// TestWriteFileRoundTrip writes bars, some without a VWAP, in several row
// groups and reads them back, with each compression (Snappy without the
// option: the default): the records are equal, the 64-bit columns are
// delta-encoded but for first_time and last_time, and the pages have the
// compression asked for.
func TestWriteFileRoundTrip(t *testing.T) {
	for _, c := range Compressions {
		t.Run(string(c), func(t *testing.T) {
			var opts []Opt
			if c != Snappy {
				opts = append(opts, WithCompression(c))
			}
			testRoundTrip(t, c.codec(), opts...)
		})
	}
}

func testRoundTrip(t *testing.T, codec compress.Compression, opts ...Opt) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := bars(30_000)
	rows := b.Bars()
	for i := range rows {
		if i%7 == 0 {
			rows[i].HasVWAP = false
		}
	}
	b.Reset()
	b.AppendBars(rows)
	path := filepath.Join(t.TempDir(), "bars.parquet")
	err := WriteRecords(path, schemas.WindowBars.Schema, func(yield func(arrow.RecordBatch) error) error {
		return b.EachRecord(mem, &schemas.WindowBars, 10_000, yield)
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	want := b.Record(mem, &schemas.WindowBars)
	defer want.Release()

	f, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	md := f.MetaData()
	if md.NumRowGroups() < 2 {
		t.Errorf("%d row groups, want several", md.NumRowGroups())
	}
	rg := md.RowGroup(0)
	for i, fld := range schemas.WindowBars.Schema.Fields() {
		cc, err := rg.ColumnChunk(i)
		if err != nil {
			t.Fatal(err)
		}
		if cc.Compression() != codec {
			t.Errorf("%s: compression %v", fld.Name, cc.Compression())
		}
		delta := slices.Contains(cc.Encodings(), pq.Encodings.DeltaBinaryPacked)
		want := (fld.Type.ID() == arrow.INT64 || fld.Type.ID() == arrow.TIMESTAMP) && fld.Name != "first_time" && fld.Name != "last_time"
		if delta != want {
			t.Errorf("%s: encodings %v", fld.Name, cc.Encodings())
		}
	}
	// The reader has a Go allocator of its own: arrow-go's delta decoder
	// does not release all it allocates (v18.8.0).
	r, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{}, memory.NewGoAllocator())
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := r.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	tr := array.NewTableReader(tbl, tbl.NumRows())
	defer tr.Release()
	if !tr.Next() {
		t.Fatal("no rows read back")
	}
	got := tr.RecordBatch()
	if got.NumRows() != want.NumRows() || got.NumCols() != want.NumCols() {
		t.Fatalf("read back %d rows of %d columns, wrote %d of %d", got.NumRows(), got.NumCols(), want.NumRows(), want.NumCols())
	}
	for i, fld := range want.Schema().Fields() {
		g := got.Schema().Field(i)
		if g.Name != fld.Name || !arrow.TypeEqual(g.Type, fld.Type) || g.Nullable != fld.Nullable || !array.Equal(got.Column(i), want.Column(i)) {
			t.Errorf("column %d: read back %v, wrote %v", i, g, fld)
		}
	}
}

func TestParseCompression(t *testing.T) {
	for _, c := range Compressions {
		if got, err := ParseCompression(string(c)); got != c || err != nil {
			t.Errorf("ParseCompression(%q) = %q, %v", c, got, err)
		}
	}
	for _, s := range []string{"", "gzip", "Snappy", "lz4"} {
		if _, err := ParseCompression(s); err == nil {
			t.Errorf("ParseCompression(%q) took it", s)
		}
	}
}
