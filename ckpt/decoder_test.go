package ckpt_test

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"pricewatch/ckpt"
)

func Example() {
	b := []byte("PWX1")
	b = binary.AppendUvarint(b, 2)
	b = ckpt.AppendString(b, "AAPL")
	b = ckpt.AppendString(b, "005930")
	b = binary.AppendVarint(b, -42)
	b = binary.LittleEndian.AppendUint32(b, 7)

	d := ckpt.NewDecoder(b, 4, "example: state")
	for n := d.Count(1); n > 0; n-- {
		fmt.Println(d.String())
	}
	fmt.Println(d.Varint(), d.Uint32(), d.End())

	d = ckpt.NewDecoder(b[:len(b)-2], 4, "example: state")
	for n := d.Count(1); n > 0; n-- {
		_ = d.String()
	}
	d.Varint()
	d.Uint32()
	fmt.Println(d.End())
	// Output:
	// AAPL
	// 005930
	// -42 7 <nil>
	// example: state is damaged at byte 18: cut short
}

func TestDecoderFirstProblemSticks(t *testing.T) {
	b := binary.AppendUvarint(nil, 1000) // a count no bytes can hold
	b = append(b, 1, 2, 3)
	d := ckpt.NewDecoder(b, 0, "t")
	if n := d.Count(1); n != 0 || d.Err() == nil || !strings.Contains(d.Err().Error(), "count beyond the end") {
		t.Fatalf("count %d, err %v", n, d.Err())
	}
	first := d.Err()
	if d.Uvarint() != 0 || d.Varint() != 0 || d.Byte() != 0 || d.Uint64() != 0 || d.Bytes(1) != nil || d.String() != "" {
		t.Fatal("a read after a problem returned a value")
	}
	if d.End() != first {
		t.Fatalf("End = %v, want the first problem %v", d.End(), first)
	}
	if d := ckpt.NewDecoder([]byte{0x80}, 0, "t"); d.Uvarint() != 0 || d.Err() == nil {
		t.Fatal("unterminated varint accepted")
	}
	if d := ckpt.NewDecoder([]byte{1, 2}, 0, "t"); d.Byte() != 1 || d.End() == nil {
		t.Fatal("trailing byte accepted")
	}
}

// FuzzDecoder reads strings until the end: it never panics, never reads a
// count larger than the input, and a clean read re-encodes to the input.
func FuzzDecoder(f *testing.F) {
	f.Add(ckpt.AppendString(ckpt.AppendString(nil, "ab"), ""))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := ckpt.NewDecoder(b, 0, "fuzz")
		var again []byte
		for d.Left() > 0 && d.Err() == nil {
			s := d.String()
			if len(s) > len(b) {
				t.Fatalf("read %d bytes from %d", len(s), len(b))
			}
			again = ckpt.AppendString(again, s)
		}
		if d.End() == nil && string(again) != string(b) {
			// Only a non-minimal varint length can differ.
			d2 := ckpt.NewDecoder(again, 0, "fuzz")
			for d2.Left() > 0 {
				_ = d2.String()
			}
			if d2.End() != nil {
				t.Fatalf("re-encoded input does not decode: %v", d2.End())
			}
		}
	})
}
