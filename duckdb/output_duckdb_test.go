package duckdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"pricewatch/parquet"
	"pricewatch/schemas"
)

// TestCommitKeepsNewestVersion commits two epochs of attr_history versions and
// a dead letter, and checks the rows and the checkpoint that DuckDB holds.
func TestCommitKeepsNewestVersion(t *testing.T) {
	dir := t.TempDir()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s, err := Open(filepath.Join(dir, FileName), schemas.Tables, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	num := func(v float64) schemas.Value { return schemas.Value{Kind: schemas.KindNumber, Num: v} }
	epoch := func(from, to int64, b *schemas.Batch) {
		t.Helper()
		e := &Epoch{Source: "t", Partition: 0, From: from, To: to,
			Checkpoint: Checkpoint{NextOffset: to + 1, State: []byte{byte(to)}, Epochs: to}}
		for _, tbl := range schemas.Tables {
			n := b.Len(tbl)
			if n == 0 {
				continue
			}
			rec := b.Record(mem, tbl)
			p := parquet.Path(dir, tbl.Name, 0, to, from, to)
			if err := parquet.WriteFile(p, rec); err != nil {
				t.Fatal(err)
			}
			rec.Release()
			e.Files = append(e.Files, TableFile{Table: tbl, Path: p, Rows: n})
		}
		if err := s.Commit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	epoch(0, 1, &schemas.Batch{History: []schemas.HistoryRow{
		{InstrumentID: "1000", Attribute: "base_price", Value: num(16000), ValidFrom: 10, Open: true, ChangeSeq: 1, SrcOffset: 0, EmitOffset: 0},
		{InstrumentID: "1000", Attribute: "base_price", Value: num(16000), ValidFrom: 10, ValidTo: 20, ChangeSeq: 1, SrcOffset: 0, EmitOffset: 1},
		{InstrumentID: "1000", Attribute: "base_price", Value: num(17000), ValidFrom: 20, Open: true, ChangeSeq: 2, SrcOffset: 1, EmitOffset: 1},
	}})
	epoch(2, 2, &schemas.Batch{
		History: []schemas.HistoryRow{
			{InstrumentID: "1000", Attribute: "base_price", Value: num(17000), ValidFrom: 20, ValidTo: 30, ChangeSeq: 2, SrcOffset: 1, EmitOffset: 2},
		},
		DeadLetters: []schemas.DeadLetter{{SrcPartition: 0, SrcOffset: 2, Raw: []byte("{oops"), Reason: "bad"}},
	})

	rows, err := s.DB().Query(`SELECT value_num, epoch_us(valid_from), coalesce(epoch_us(valid_to), -1), emit_offset FROM attr_history ORDER BY valid_from`)
	if err != nil {
		t.Fatal(err)
	}
	var got [][4]float64
	for rows.Next() {
		var r [4]float64
		if err := rows.Scan(&r[0], &r[1], &r[2], &r[3]); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	rows.Close()
	want := [][4]float64{{16000, 10, 20, 1}, {17000, 20, 30, 2}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("attr_history = %v, want %v", got, want)
	}
	var raw []byte
	var reason string
	if err := s.DB().QueryRow(`SELECT raw, reason FROM dead_letters`).Scan(&raw, &reason); err != nil {
		t.Fatal(err)
	}
	if string(raw) != "{oops" || reason != "bad" {
		t.Fatalf("dead_letters = %q %q", raw, reason)
	}
	c, ok, err := s.Load(ctx, "t", 0)
	if err != nil || !ok || c.NextOffset != 3 || c.Epochs != 2 || len(c.State) != 1 || c.State[0] != 2 {
		t.Fatalf("checkpoint = %+v %v %v", c, ok, err)
	}
	if _, ok, _ := s.Load(ctx, "t", 1); ok {
		t.Fatal("checkpoint of partition 1 should not exist")
	}
}
