package schemas

import "testing"

func TestInternerSymbols(t *testing.T) {
	in := NewInterner(2)
	a, sa := in.Symbol([]byte("AAA"))
	b, sb := in.Symbol([]byte("BBB"))
	c, sc := in.Symbol([]byte("CCC")) // over the limit: copied, no symbol
	a2, sa2 := in.Symbol([]byte("AAA"))
	if sa != 1 || sb != 2 || sc != 0 || sa2 != 1 {
		t.Fatalf("symbols %d %d %d %d, want 1 2 0 1", sa, sb, sc, sa2)
	}
	if a != "AAA" || b != "BBB" || c != "CCC" || a2 != "AAA" {
		t.Fatalf("strings %q %q %q %q", a, b, c, a2)
	}
	if _, s := in.Symbol(nil); s != 0 {
		t.Fatalf("empty string has symbol %d", s)
	}
}

func TestSymIndexChecksTheID(t *testing.T) {
	var x SymIndex
	ev := &Event{InstrumentID: "AAA", Sym: 3}
	if _, ok := x.Get(ev); ok {
		t.Fatal("empty index found a symbol")
	}
	x.Put(ev, 7)
	if ix, ok := x.Get(ev); !ok || ix != 7 {
		t.Fatalf("Get = %d, %v; want 7, true", ix, ok)
	}
	other := &Event{InstrumentID: "BBB", Sym: 3} // same symbol, another decoder
	if _, ok := x.Get(other); ok {
		t.Fatal("a symbol stored for AAA was taken for BBB")
	}
	none := &Event{InstrumentID: "AAA"}
	x.Put(none, 9)
	if _, ok := x.Get(none); ok {
		t.Fatal("symbol 0 was stored")
	}
	x.Reset()
	if _, ok := x.Get(ev); ok {
		t.Fatal("Reset kept a symbol")
	}
}
