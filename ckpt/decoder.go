// Package ckpt reads and writes the binary checkpoint forms of the job's
// state (history, detectors): varints, counted strings and fixed-size
// numbers, with a decoder whose first problem sticks, so a reader checks
// one error at the end instead of one per field.
package ckpt

import (
	"encoding/binary"
	"fmt"
)

// AppendString appends s with its length.
func AppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Decoder reads a checkpoint. After the first problem every read returns a
// zero value and Err reports the problem with its byte position. It is not
// safe for concurrent use.
type Decoder struct {
	b    []byte
	i    int
	what string // named in errors: "history: checkpoint state"
	err  error
}

// NewDecoder returns a decoder of b from byte from; what names the
// checkpoint in errors.
func NewDecoder(b []byte, from int, what string) *Decoder {
	return &Decoder{b: b, i: from, what: what}
}

// Err returns the first problem, or nil.
func (d *Decoder) Err() error { return d.err }

// Left returns the number of bytes not yet read.
func (d *Decoder) Left() int { return len(d.b) - d.i }

// Fail records a problem found by the caller, unless one is recorded.
func (d *Decoder) Fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%s is damaged at byte %d: %s", d.what, d.i, what)
	}
}

// End records trailing bytes as a problem.
func (d *Decoder) End() error {
	if d.err == nil && d.i != len(d.b) {
		d.Fail("trailing bytes")
	}
	return d.err
}

// Uvarint reads an unsigned varint.
func (d *Decoder) Uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.i:])
	if n <= 0 {
		d.Fail("bad number")
		return 0
	}
	d.i += n
	return v
}

// Varint reads a signed (zig-zag) varint.
func (d *Decoder) Varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.i:])
	if n <= 0 {
		d.Fail("bad number")
		return 0
	}
	d.i += n
	return v
}

// Count reads a count of items of at least size bytes each (size ≥ 1),
// which the bytes left must be able to hold.
func (d *Decoder) Count(size int) int {
	v := d.Uvarint()
	if v > uint64(d.Left()/size) {
		d.Fail("count beyond the end")
		return 0
	}
	return int(v)
}

// Count32 reads a count written as 4 bytes, little-endian (for a count
// patched in after its items), of items of at least size bytes each.
func (d *Decoder) Count32(size int) int {
	v := d.Uint32()
	if uint64(v) > uint64(d.Left()/size) {
		d.Fail("count beyond the end")
		return 0
	}
	return int(v)
}

// Bytes returns the next n bytes, aliasing the input; nil after a problem.
func (d *Decoder) Bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > d.Left() {
		d.Fail("cut short")
		return nil
	}
	s := d.b[d.i : d.i+n]
	d.i += n
	return s
}

// String reads a string of AppendString.
func (d *Decoder) String() string { return string(d.Bytes(d.Count(1))) }

// Byte reads one byte.
func (d *Decoder) Byte() byte {
	if b := d.Bytes(1); b != nil {
		return b[0]
	}
	return 0
}

// Uint32 reads 4 bytes, little-endian.
func (d *Decoder) Uint32() uint32 {
	if b := d.Bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

// Uint64 reads 8 bytes, little-endian.
func (d *Decoder) Uint64() uint64 {
	if b := d.Bytes(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}
