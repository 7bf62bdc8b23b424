package history

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	"pricewatch/ckpt"
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

// AppendBinary appends the checkpoint of MarshalBinary to b. An
// instrument's part is encoded again only when it changed since the last
// checkpoint.
func (h *Interval) AppendBinary(b []byte) ([]byte, error) {
	from := len(b)
	b = append(b, stateMagic...)
	b = binary.AppendUvarint(b, uint64(len(h.sorted)))
	if h.unsorted {
		slices.SortFunc(h.sorted, func(x, y *instrument) int { return strings.Compare(x.id, y.id) })
		h.unsorted = false
	}
	var names []string
	for _, in := range h.sorted {
		if !in.fresh {
			in.enc, names = in.appendBinary(in.enc[:0], names)
			in.fresh = true
		}
		b = append(b, in.enc...)
	}
	h.ckptSize = len(b) - from
	return b, nil
}

// appendBinary appends the instrument's part of a checkpoint; names is
// scratch.
func (in *instrument) appendBinary(b []byte, names []string) ([]byte, []string) {
	b = ckpt.AppendString(b, in.id)
	b = binary.AppendUvarint(b, uint64(len(in.attrs)))
	names = names[:0]
	for name := range in.attrs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		a := in.attrs[name]
		b = ckpt.AppendString(b, name)
		b = binary.AppendVarint(b, a.Seq)
		b = binary.AppendUvarint(b, uint64(len(a.Points)))
		for i := range a.Points {
			b = appendPoint(b, &a.Points[i])
		}
	}
	return b, names
}

func appendPoint(b []byte, p *Point) []byte {
	b = binary.AppendVarint(b, p.ValidFrom)
	b = append(b, byte(p.Value.Kind))
	switch p.Value.Kind {
	case schemas.KindNumber:
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.Value.Num))
	case schemas.KindString:
		b = ckpt.AppendString(b, p.Value.Str)
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
	if len(b) < len(stateMagic) || string(b[:len(stateMagic)]) != stateMagic {
		return fmt.Errorf("history: checkpoint state is not %s", stateMagic)
	}
	d := ckpt.NewDecoder(b, len(stateMagic), "history: checkpoint state")
	state := map[string]*instrument{}
	var sorted []*instrument
	for n := d.Count(1); n > 0 && d.Err() == nil; n-- {
		id := d.String()
		if state[id] != nil {
			d.Fail("instrument repeated")
		}
		attrs := map[string]*Attr{}
		for m := d.Count(1); m > 0 && d.Err() == nil; m-- {
			name := d.String()
			a := &Attr{Seq: d.Varint()}
			k := d.Count(1)
			if d.Err() == nil {
				a.Points = make([]Point, 0, k)
			}
			for ; k > 0 && d.Err() == nil; k-- {
				a.Points = append(a.Points, readPoint(d))
			}
			attrs[name] = a
		}
		in := &instrument{id: id, attrs: attrs}
		state[id] = in
		sorted = append(sorted, in)
	}
	if err := d.End(); err != nil {
		return err
	}
	h.state, h.sorted, h.unsorted = state, sorted, true
	return nil
}

// readPoint reads a point of appendPoint.
func readPoint(d *ckpt.Decoder) Point {
	var p Point
	p.ValidFrom = d.Varint()
	switch p.Value.Kind = schemas.Kind(d.Byte()); p.Value.Kind {
	case schemas.KindNull:
	case schemas.KindNumber:
		p.Value.Num = math.Float64frombits(d.Uint64())
	case schemas.KindString:
		p.Value.Str = d.String()
	default:
		d.Fail("unknown value kind")
	}
	if p.Op = schemas.Op(d.Byte()); p.Op > schemas.OpDelete {
		d.Fail("unknown op")
	}
	p.Seq = d.Varint()
	part := d.Varint()
	if part < math.MinInt32 || part > math.MaxInt32 {
		d.Fail("partition out of range")
	}
	p.Partition = int32(part)
	p.Offset = d.Varint()
	switch d.Byte() {
	case 0:
	case 1:
		p.Deleted = true
	default:
		d.Fail("bad deleted flag")
	}
	p.DeletedAt = d.Varint()
	return p
}
