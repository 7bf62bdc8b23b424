package schemas

import (
	"fmt"
	"testing"
	"unsafe"
)

func sameString(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

func TestInterner(t *testing.T) {
	var in Interner // the zero value is ready to use
	b := []byte("005930")
	s := in.Bytes(b)
	b[0] = 'X' // s must not alias b
	if s != "005930" {
		t.Fatalf("Bytes = %q, want 005930", s)
	}
	if s2 := in.Bytes([]byte("005930")); !sameString(s, s2) {
		t.Error("Bytes returned a second copy of an interned string")
	}
	if s3 := in.String(string([]byte("005930"))); !sameString(s, s3) {
		t.Error("String returned a second copy of an interned string")
	}
	own := string([]byte("000660"))
	if s4 := in.String(own); !sameString(s4, own) {
		t.Error("String did not intern its argument")
	}
	if s5 := in.Bytes([]byte("000660")); !sameString(s5, own) {
		t.Error("Bytes did not find a string interned by String")
	}
	if in.Bytes(nil) != "" || in.String("") != "" {
		t.Error("empty strings")
	}
	if in.Len() != 2 {
		t.Errorf("Len = %d, want 2", in.Len())
	}
	if n := testing.AllocsPerRun(100, func() { in.Bytes(b[:0]); in.Bytes([]byte("005930")) }); n != 0 {
		t.Errorf("Bytes of an interned string: %v allocs, want 0", n)
	}
}

func TestInternerLimit(t *testing.T) {
	in := NewInterner(3)
	for i := range 10 {
		s := fmt.Sprint("id", i)
		if got := in.Bytes([]byte(s)); got != s {
			t.Fatalf("Bytes(%s) = %s", s, got)
		}
	}
	if in.Len() != 3 {
		t.Fatalf("Len = %d, want 3", in.Len())
	}
	// Beyond the limit strings are copies, not interned.
	a, b := in.Bytes([]byte("id9")), in.Bytes([]byte("id9"))
	if a != "id9" || sameString(a, b) {
		t.Errorf("id9 beyond the limit: %q, %q, same copy %v", a, b, sameString(a, b))
	}
	in.SetLimit(4)
	in.Bytes([]byte("id9"))
	if in.Len() != 4 {
		t.Errorf("Len after SetLimit(4) = %d, want 4", in.Len())
	}
	if NewInterner(0).limit != DefaultInternLimit {
		t.Error("NewInterner(0) does not use DefaultInternLimit")
	}
}

func BenchmarkInternerBytes(b *testing.B) {
	in := NewInterner(0)
	keys := make([][]byte, 10000)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "%06d", i)
		in.Bytes(keys[i])
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		in.Bytes(keys[i])
		if i++; i == len(keys) {
			i = 0
		}
	}
}

func TestInternerLongIDsAndGrowth(t *testing.T) {
	var in Interner
	long := "an-instrument-id-longer-than-nineteen-bytes"
	for i := range 5000 {
		id := fmt.Sprint(long, i)
		s, sym := in.Symbol([]byte(id))
		if s != id || sym != uint32(i+1) {
			t.Fatalf("Symbol(%s) = %q, %d; want the id and %d", id, s, sym, i+1)
		}
	}
	for i := range 5000 {
		id := fmt.Sprint(long, i)
		if s, sym := in.StringSymbol(id); s != id || sym != uint32(i+1) {
			t.Fatalf("second lookup of %s = %q, %d", id, s, sym)
		}
	}
	b := []byte(fmt.Sprint(long, 7))
	if n := testing.AllocsPerRun(100, func() { in.Symbol(b) }); n != 0 {
		t.Errorf("Symbol of an interned long id: %v allocs, want 0", n)
	}
	if got := in.Strings()[7]; got != string(b) {
		t.Errorf("Strings()[7] = %q", got)
	}
}
