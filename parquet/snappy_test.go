package parquet

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/snappy"
)

// TestFastSnappy checks that the process's Snappy codec is fastSnappy, that
// its blocks are Snappy that the reference decoder reads, and that it uses
// a destination of CompressBound capacity.
func TestFastSnappy(t *testing.T) {
	c, err := compress.GetCodec(compress.Codecs.Snappy)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.(fastSnappy); !ok {
		t.Fatalf("the Snappy codec is %T, not fastSnappy", c)
	}
	for _, src := range [][]byte{nil, []byte("a"), bytes.Repeat([]byte("price 194500 "), 10_000), []byte("ab\x00\xff\x10 not repeated at all")} {
		dst := make([]byte, 0, c.CompressBound(int64(len(src))))
		enc := c.Encode(dst, src)
		if len(enc) > 0 && &enc[0] != &dst[:1][0] {
			t.Errorf("%d bytes: the block was not written into dst", len(src))
		}
		dec, err := snappy.Decode(nil, enc)
		if err != nil || !bytes.Equal(dec, src) {
			t.Errorf("%d bytes: Snappy decodes %d bytes, %v", len(src), len(dec), err)
		}
		if back, err := compress.Decode(c, nil, enc); err != nil || !bytes.Equal(back, src) {
			t.Errorf("%d bytes: the codec decodes %d bytes, %v", len(src), len(back), err)
		}
	}
}
