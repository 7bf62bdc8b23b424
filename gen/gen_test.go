package gen

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

func TestWriteIsDeterministic(t *testing.T) {
	s := DefaultSpec()
	s.Events = 20000
	var a, b bytes.Buffer
	ra, err := Write(&a, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(&b, s); err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(a.Bytes()) != sha256.Sum256(b.Bytes()) {
		t.Fatal("two writes of one spec differ")
	}
	if got := bytes.Count(a.Bytes(), []byte("\n")); got != ra.Lines {
		t.Fatalf("wrote %d lines, result says %d", got, ra.Lines)
	}
	// 20000 ticks + 200 reference rows + 8 mid-session changes + 5 malformed.
	if want := 20000 + 200 + 8 + 5; ra.Lines != want {
		t.Fatalf("lines = %d, want %d", ra.Lines, want)
	}
	if len(ra.Planted) != 10 {
		t.Fatalf("planted %d anomalies, want one per 20 instruments = 10: %+v", len(ra.Planted), ra.Planted)
	}
}
