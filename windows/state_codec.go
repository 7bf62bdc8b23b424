package windows

import (
	"encoding/binary"
	"math"

	"pricewatch/ckpt"
)

// The checkpoint of an Engine is the snapshot written field by field, with
// integers as varints, counts and strings as in package ckpt, and each
// aggregate as its twelve fields, 8 bytes each, little-endian. It replaced
// gob, which took ~5 ms and a copy of every pane per lane and epoch.
//
//	"PWW1" config flags max_seen watermark early_next stamp
//	instruments{ id }
//	pane_sets{ close_c purge_w panes{ slot k agg touch wrev wlate } }
//	session_sets{ sessions{ slot agg rev late touch closed } }
//
// flags bit 0 is Seen; a count of pane sets' panes or of sessions is 4 bytes
// (written after its items), the other counts are uvarints.
const stateMagic = "PWW1"

// aggSize is the bytes of an aggregate in a checkpoint.
const aggSize = 12 * 8

// AppendBinary appends the checkpoint of MarshalBinary to b.
func (e *Engine) AppendBinary(b []byte) ([]byte, error) {
	from := len(b)
	b = append(b, stateMagic...)
	b = ckpt.AppendString(b, e.spec.fingerprint())
	flags := byte(0)
	if e.seen {
		flags = 1
	}
	b = append(b, flags)
	b = binary.AppendVarint(b, e.maxSeen)
	b = binary.AppendVarint(b, e.wm)
	b = binary.AppendVarint(b, e.earlyNext)
	b = binary.AppendUvarint(b, uint64(e.stamp))
	ids := e.in.Strings()
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = ckpt.AppendString(b, id)
	}
	b = binary.AppendUvarint(b, uint64(len(e.panes)))
	for _, ps := range e.panes {
		b = ps.appendBinary(b)
	}
	b = binary.AppendUvarint(b, uint64(len(e.sess)))
	for _, st := range e.sess {
		b = st.appendBinary(b)
	}
	e.ckptSize = len(b) - from
	return b, nil
}

// appendBinary appends the pane set's cursors and its panes, by slot and
// oldest first.
func (ps *paneSet) appendBinary(b []byte) []byte {
	b = binary.AppendVarint(b, ps.closeC)
	b = binary.AppendVarint(b, ps.purgeW)
	at := len(b)
	b = append(b, 0, 0, 0, 0)
	n := uint32(0)
	for slot, h := range ps.head {
		for i := h; i >= 0; i = ps.panes[i].next {
			p := &ps.panes[i]
			b = binary.AppendUvarint(b, uint64(slot))
			b = binary.AppendVarint(b, p.k)
			b = appendAgg(b, &p.agg)
			b = binary.AppendUvarint(b, uint64(p.touch))
			b = binary.AppendVarint(b, int64(p.wrev))
			b = binary.AppendVarint(b, int64(p.wlate))
			n++
		}
	}
	binary.LittleEndian.PutUint32(b[at:], n)
	return b
}

// appendBinary appends the set's sessions, by slot and start.
func (st *sessSet) appendBinary(b []byte) []byte {
	at := len(b)
	b = append(b, 0, 0, 0, 0)
	n := uint32(0)
	for slot, h := range st.head {
		for i := h; i >= 0; i = st.ss[i].next {
			s := &st.ss[i]
			b = binary.AppendUvarint(b, uint64(slot))
			b = appendAgg(b, &s.agg)
			b = binary.AppendVarint(b, int64(s.rev))
			b = binary.AppendVarint(b, s.late)
			b = binary.AppendUvarint(b, uint64(s.touch))
			closed := byte(0)
			if s.closed {
				closed = 1
			}
			b = append(b, closed)
			n++
		}
	}
	binary.LittleEndian.PutUint32(b[at:], n)
	return b
}

func appendAgg(b []byte, a *agg) []byte {
	for _, v := range [...]uint64{uint64(a.First), uint64(a.Last),
		math.Float64bits(a.Open), math.Float64bits(a.Close), math.Float64bits(a.High), math.Float64bits(a.Low),
		uint64(a.N), math.Float64bits(a.Sum), math.Float64bits(a.Mean), math.Float64bits(a.M2),
		math.Float64bits(a.Vol), math.Float64bits(a.PV)} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

func readAgg(d *ckpt.Decoder) agg {
	var v [12]uint64
	for i := range v {
		v[i] = d.Uint64()
	}
	f := math.Float64frombits
	return agg{First: int64(v[0]), Last: int64(v[1]), Open: f(v[2]), Close: f(v[3]), High: f(v[4]), Low: f(v[5]),
		N: int64(v[6]), Sum: f(v[7]), Mean: f(v[8]), M2: f(v[9]), Vol: f(v[10]), PV: f(v[11])}
}

// decodeSnapshot reads a checkpoint of AppendBinary. The restore that
// follows checks what the bytes cannot (slots in range, sessions in order).
func decodeSnapshot(b []byte) (*snapshot, error) {
	d := ckpt.NewDecoder(b, len(stateMagic), "windows: checkpoint")
	s := &snapshot{Version: snapshotVersion, Config: d.String()}
	switch d.Byte() {
	case 0:
	case 1:
		s.Seen = true
	default:
		d.Fail("bad flags")
	}
	s.MaxSeen, s.Watermark, s.EarlyNext = d.Varint(), d.Varint(), d.Varint()
	s.Stamp = uint32(uvarintMax(d, math.MaxUint32))
	for n := d.Count(1); n > 0 && d.Err() == nil; n-- {
		s.Instruments = append(s.Instruments, d.String())
	}
	for n := d.Count(5); n > 0 && d.Err() == nil; n-- {
		ps := paneSetSnap{CloseC: d.Varint(), PurgeW: d.Varint()}
		for k := d.Count32(2 + aggSize + 3); k > 0 && d.Err() == nil; k-- {
			p := paneSnap{Slot: int32(uvarintMax(d, math.MaxInt32)), K: d.Varint(), A: readAgg(d)}
			p.Touch = uint32(uvarintMax(d, math.MaxUint32))
			p.WRev = varint32(d)
			p.WLate = varint32(d)
			ps.Panes = append(ps.Panes, p)
		}
		s.PaneSets = append(s.PaneSets, ps)
	}
	for n := d.Count(4); n > 0 && d.Err() == nil; n-- {
		var list []sessSnap
		for k := d.Count32(1 + aggSize + 4); k > 0 && d.Err() == nil; k-- {
			x := sessSnap{Slot: int32(uvarintMax(d, math.MaxInt32)), A: readAgg(d)}
			x.Rev = varint32(d)
			x.Late = d.Varint()
			x.Touch = uint32(uvarintMax(d, math.MaxUint32))
			switch d.Byte() {
			case 0:
			case 1:
				x.Closed = true
			default:
				d.Fail("bad closed flag")
			}
			list = append(list, x)
		}
		s.Sessions = append(s.Sessions, list)
	}
	if err := d.End(); err != nil {
		return nil, err
	}
	return s, nil
}

// uvarintMax reads an unsigned varint of at most hi.
func uvarintMax(d *ckpt.Decoder, hi uint64) uint64 {
	v := d.Uvarint()
	if v > hi {
		d.Fail("value out of range")
		return 0
	}
	return v
}

// varint32 reads a signed varint that fits in an int32.
func varint32(d *ckpt.Decoder) int32 {
	v := d.Varint()
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.Fail("value out of range")
		return 0
	}
	return int32(v)
}
