package history

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"

	"pricewatch/schemas"
)

// The checkpoint of an Interval is a compact binary form of its state, by
// instrument id and attribute name in sorted order (so the same state gives
// the same bytes). It replaced gob, whose map encoding cost more than the
// rest of a lane's checkpoint.
//
//	"PWH1" instruments{ id attributes{ name seq points{ point } } }
//
// with counts as uvarints, strings as a uvarint length and bytes, and each
// point as valid_from (varint), the value (kind byte; a number as 8 bytes, a
// string as above), op (byte), seq, partition and offset (varints), deleted
// (byte) and deleted_at (varint).
const stateMagic = "PWH1"

// MarshalBinary returns the state for a checkpoint.
func (h *Interval) MarshalBinary() ([]byte, error) {
	return h.AppendBinary(make([]byte, 0, h.ckptSize+h.ckptSize/8+1024))
}

// AppendBinary appends the checkpoint of MarshalBinary to b.
func (h *Interval) AppendBinary(b []byte) ([]byte, error) {
	from := len(b)
	b = append(b, stateMagic...)
	b = binary.AppendUvarint(b, uint64(len(h.state)))
	ids := slices.Sorted(maps.Keys(h.state))
	var names []string
	for _, id := range ids {
		attrs := h.state[id]
		b = appendString(b, id)
		b = binary.AppendUvarint(b, uint64(len(attrs)))
		names = names[:0]
		for name := range attrs {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			a := attrs[name]
			b = appendString(b, name)
			b = binary.AppendVarint(b, a.Seq)
			b = binary.AppendUvarint(b, uint64(len(a.Points)))
			for i := range a.Points {
				b = appendPoint(b, &a.Points[i])
			}
		}
	}
	h.ckptSize = len(b) - from
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendPoint(b []byte, p *Point) []byte {
	b = binary.AppendVarint(b, p.ValidFrom)
	b = append(b, byte(p.Value.Kind))
	switch p.Value.Kind {
	case schemas.KindNumber:
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.Value.Num))
	case schemas.KindString:
		b = appendString(b, p.Value.Str)
	}
	b = append(b, byte(p.Op))
	b = binary.AppendVarint(b, p.Seq)
	b = binary.AppendVarint(b, int64(p.Partition))
	b = binary.AppendVarint(b, p.Offset)
	deleted := byte(0)
	if p.Deleted {
		deleted = 1
	}
	b = append(b, deleted)
	return binary.AppendVarint(b, p.DeletedAt)
}

// UnmarshalBinary restores a checkpoint's state. A damaged checkpoint is an
// error; the state is then unchanged.
func (h *Interval) UnmarshalBinary(b []byte) error {
	d := stateDecoder{b: b}
	if len(b) < len(stateMagic) || string(b[:len(stateMagic)]) != stateMagic {
		return fmt.Errorf("history: checkpoint state is not %s", stateMagic)
	}
	d.i = len(stateMagic)
	state := map[string]map[string]*Attr{}
	for n := d.count(); n > 0 && d.err == nil; n-- {
		id := d.str()
		attrs := map[string]*Attr{}
		for m := d.count(); m > 0 && d.err == nil; m-- {
			name := d.str()
			a := &Attr{Seq: d.varint()}
			k := d.count()
			if d.err == nil {
				a.Points = make([]Point, 0, k)
			}
			for ; k > 0 && d.err == nil; k-- {
				a.Points = append(a.Points, d.point())
			}
			attrs[name] = a
		}
		state[id] = attrs
	}
	if d.err == nil && d.i != len(b) {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return d.err
	}
	h.state = state
	return nil
}

// stateDecoder reads the checkpoint form; the first problem sticks.
type stateDecoder struct {
	b   []byte
	i   int
	err error
}

func (d *stateDecoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("history: checkpoint state is damaged at byte %d: %s", d.i, what)
	}
}

func (d *stateDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.i:])
	if n <= 0 {
		d.fail("bad number")
		return 0
	}
	d.i += n
	return v
}

func (d *stateDecoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.i:])
	if n <= 0 {
		d.fail("bad number")
		return 0
	}
	d.i += n
	return v
}

// count reads a count, which cannot exceed the bytes left (each item takes
// at least one).
func (d *stateDecoder) count() int {
	v := d.uvarint()
	if v > uint64(len(d.b)-d.i) {
		d.fail("count beyond the end")
		return 0
	}
	return int(v)
}

func (d *stateDecoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b)-d.i {
		d.fail("cut short")
		return nil
	}
	s := d.b[d.i : d.i+n]
	d.i += n
	return s
}

func (d *stateDecoder) str() string { return string(d.bytes(d.count())) }

func (d *stateDecoder) byte1() byte {
	if b := d.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *stateDecoder) point() Point {
	var p Point
	p.ValidFrom = d.varint()
	switch p.Value.Kind = schemas.Kind(d.byte1()); p.Value.Kind {
	case schemas.KindNull:
	case schemas.KindNumber:
		if b := d.bytes(8); b != nil {
			p.Value.Num = math.Float64frombits(binary.LittleEndian.Uint64(b))
		}
	case schemas.KindString:
		p.Value.Str = d.str()
	default:
		d.fail("unknown value kind")
	}
	if p.Op = schemas.Op(d.byte1()); p.Op > schemas.OpDelete {
		d.fail("unknown op")
	}
	p.Seq = d.varint()
	part := d.varint()
	if part < math.MinInt32 || part > math.MaxInt32 {
		d.fail("partition out of range")
	}
	p.Partition = int32(part)
	p.Offset = d.varint()
	switch d.byte1() {
	case 0:
	case 1:
		p.Deleted = true
	default:
		d.fail("bad deleted flag")
	}
	p.DeletedAt = d.varint()
	return p
}
