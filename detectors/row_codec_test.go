package detectors

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// testRows returns z-score rows as a stream leaves them: windows full, part
// full and never allocated.
func testRows() []zState {
	rows := make([]zState, 5)
	for i := range rows {
		r := &rows[i]
		r.Last = last{Value: 100 + float64(i), Time: int64(i) * 1e9, Has: i%2 == 0}
		r.Move, r.Cool = 0.01*float64(i), int32(i)
		for k := range i * 3 {
			r.W.push(float64(k)*0.001-0.002, 8)
		}
	}
	return rows
}

func TestRowsRoundTrip(t *testing.T) {
	rows := testRows()
	b := appendRows(nil, []string{"price", "bid"}, rows)
	attrs, got, err := readRows[zState](b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(attrs, []string{"price", "bid"}) || !reflect.DeepEqual(got, rows) {
		t.Fatalf("read %v %+v, wrote %+v", attrs, got, rows)
	}
	if again := appendRows(nil, attrs, got); !bytes.Equal(again, b) {
		t.Fatal("rows read back save different bytes")
	}
}

// A checkpoint of an earlier version (gob) still loads, to the same rows.
func TestRowsLoadGob(t *testing.T) {
	rows := testRows()
	ids := []string{"A", "B", "C", "D", "E"}
	old, err := encodeGob(&tableSnapshot[zState]{Attrs: []string{"price"}, Rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	a, b := newTable[zState]([]string{"price"}), newTable[zState]([]string{"price"})
	if err := a.load(old, ids); err != nil {
		t.Fatal(err)
	}
	cur, _ := (&table[zState]{attrs: []string{"price"}, rows: rows}).save(nil)
	if err := b.load(cur, ids); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.rows, b.rows) {
		t.Fatalf("gob checkpoint loads %+v, binary %+v", a.rows, b.rows)
	}
}

func TestRowsRefused(t *testing.T) {
	b := appendRows(nil, []string{"price"}, testRows())
	if _, _, err := readRows[jumpState](b); err == nil || !strings.Contains(err.Error(), "this build's are") {
		t.Errorf("rows of another layout: %v", err)
	}
	for _, n := range []int{len(rowsMagic), len(b) / 2, len(b) - 1} {
		if _, _, err := readRows[zState](b[:n]); err == nil {
			t.Errorf("checkpoint cut to %d of %d bytes read without error", n, len(b))
		}
	}
	if _, _, err := readRows[zState](append(b, 0)); err == nil {
		t.Error("trailing byte read without error")
	}
}

func FuzzReadRows(f *testing.F) {
	f.Add(appendRows(nil, []string{"price"}, testRows()))
	f.Add(appendRows(nil, nil, []zState(nil)))
	f.Fuzz(func(t *testing.T, b []byte) {
		attrs, rows, err := readRows[zState](b)
		if err != nil {
			return
		}
		// What reads without error saves and reads back to the same rows
		// (compared saved, as NaN is not equal to itself).
		saved := appendRows(nil, attrs, rows)
		attrs2, rows2, err := readRows[zState](saved)
		if err != nil {
			t.Fatalf("saved rows do not read back: %v", err)
		}
		if again := appendRows(nil, attrs2, rows2); !bytes.Equal(again, saved) {
			t.Fatalf("saved, read and saved again: %x, was %x", again, saved)
		}
	})
}
