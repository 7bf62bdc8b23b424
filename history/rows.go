package history

import (
	"encoding/binary"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"pricewatch/schemas"
)

// cell is one column value of a row.
type cell struct {
	null bool
	i    int64 // integers and timestamps
	f    float64
	s    string
}

type row []cell

func nullCell() cell          { return cell{null: true} }
func intCell(v int64) cell    { return cell{i: v} }
func strCell(v string) cell   { return cell{s: v} }
func numCell(v float64) cell  { return cell{f: v} }
func (c cell) eq(d cell) bool { return c.null == d.null && c.i == d.i && c.s == d.s && sameF(c.f, d.f) }

// sameF compares floats bit for bit, so that NaN equals NaN.
func sameF(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// rowData holds everything a row of any table may show; build picks the
// columns of one table.
type rowData struct {
	id         string
	entityNo   int64
	changeKind string
	t          int64 // changed_at
	from, to   int64
	toOpen     bool
	vals       []schemas.Value // by attribute index; nil: all NULL
	only       []bool          // changed-only rows: the attributes shown (nil: all)
	attr       int             // shapeKind / vertical: the attribute
	oldV, newV schemas.Value
	changed    string
	deletedAt  int64
	deleted    bool
	recFrom    int64
	recTo      int64
	recOpen    bool
	winStart   int64
	winEnd     int64
	op         string
	seq        int64
	part       int32
	off        int64
	evTime     int64
	rejAttr    string
	rejValue   string
	rejNull    bool
	rejReason  string
}

func (p *plan) valueCell(a int, v schemas.Value) cell {
	if p.attrs[a].num {
		if v.Kind == schemas.KindNumber {
			return numCell(v.Num)
		}
		return nullCell()
	}
	if v.Kind == schemas.KindString {
		return strCell(v.Str)
	}
	return nullCell()
}

func (p *plan) openCell(o *out, t int64, open bool) cell {
	if !open {
		return intCell(t)
	}
	if o.openNull {
		return nullCell()
	}
	return intCell(openEndMicros)
}

// build makes the row of table o from d.
func (p *plan) build(o *out, d *rowData) row {
	r := make(row, len(o.cols))
	for i, c := range o.cols {
		switch c.role {
		case rID, rEntityKey:
			r[i] = strCell(d.id)
		case rEntityNo:
			r[i] = intCell(d.entityNo)
		case rChangeKind:
			r[i] = strCell(d.changeKind)
		case rTime:
			r[i] = intCell(d.t)
		case rFrom:
			r[i] = intCell(d.from)
		case rTo:
			r[i] = p.openCell(o, d.to, d.toOpen)
		case rAttr:
			if d.vals == nil || d.only != nil && !d.only[c.attr] {
				r[i] = nullCell()
			} else {
				r[i] = p.valueCell(c.attr, d.vals[c.attr])
			}
		case rKindName:
			r[i] = strCell(p.attrs[d.attr].name)
		case rKindVal:
			if d.vals == nil {
				r[i] = nullCell()
			} else {
				r[i] = p.valueCell(d.attr, d.vals[d.attr])
			}
		case rCode:
			r[i] = intCell(int64(p.attrs[d.attr].code))
		case rOldNum:
			r[i] = numOf(d.oldV)
		case rOldStr:
			r[i] = strOf(d.oldV)
		case rNewNum:
			r[i] = numOf(d.newV)
		case rNewStr:
			r[i] = strOf(d.newV)
		case rChanged:
			r[i] = strCell(d.changed)
		case rDeletedAt:
			if d.deleted {
				r[i] = intCell(d.deletedAt)
			} else {
				r[i] = nullCell()
			}
		case rRecFrom:
			r[i] = intCell(d.recFrom)
		case rRecTo:
			r[i] = p.openCell(o, d.recTo, d.recOpen)
		case rWinStart:
			r[i] = intCell(d.winStart)
		case rWinEnd:
			r[i] = intCell(d.winEnd)
		case rOp:
			r[i] = strCell(d.op)
		case rSeq:
			r[i] = intCell(d.seq)
		case rSrcPart:
			r[i] = intCell(int64(d.part))
		case rSrcOff:
			r[i] = intCell(d.off)
		case rEmit, rCorrAt, rCorrBy:
			r[i] = intCell(0) // set when emitted
		case rEventTime:
			r[i] = intCell(d.evTime)
		case rRejAttr:
			r[i] = strCell(d.rejAttr)
		case rRejValue:
			if d.rejNull {
				r[i] = nullCell()
			} else {
				r[i] = strCell(d.rejValue)
			}
		case rRejReason:
			r[i] = strCell(d.rejReason)
		}
	}
	return r
}

func numOf(v schemas.Value) cell {
	if v.Kind == schemas.KindNumber {
		return numCell(v.Num)
	}
	return nullCell()
}

func strOf(v schemas.Value) cell {
	if v.Kind == schemas.KindString {
		return strCell(v.Str)
	}
	return nullCell()
}

// key encodes the key columns of a row.
func (o *out) key(r row) string {
	var b []byte
	for _, i := range o.keyPos {
		c := r[i]
		switch {
		case c.null:
			b = append(b, 'n')
		case o.cols[i].typ == tStr:
			b = binary.AppendUvarint(append(b, 's'), uint64(len(c.s)))
			b = append(b, c.s...)
		default:
			b = binary.BigEndian.AppendUint64(append(b, 'i'), uint64(c.i)^1<<63)
		}
	}
	return string(b)
}

// same reports whether two versions of a row are equal, emit_offset aside;
// with content, provenance columns are left out too.
func (o *out) same(a, b row, content bool) bool {
	for i, c := range o.cols {
		if c.role == rEmit || content && c.meta {
			continue
		}
		if !a[i].eq(b[i]) {
			return false
		}
	}
	return true
}

// void is the version of a row whose key no longer has a row: its values
// are NULL, an interval is empty, and op is "void". The macros skip it.
func (o *out) void(r row, d *rowData) row {
	v := make(row, len(r))
	copy(v, r)
	fromPos := -1
	for i, c := range o.cols {
		if c.role == rFrom {
			fromPos = i
		}
	}
	for i, c := range o.cols {
		if c.key {
			continue
		}
		switch c.role {
		case rTo:
			if fromPos >= 0 {
				v[i] = r[fromPos]
			}
		case rOp:
			v[i] = strCell("void")
		case rSeq:
			v[i] = intCell(d.seq)
		case rSrcPart:
			v[i] = intCell(int64(d.part))
		case rSrcOff:
			v[i] = intCell(d.off)
		case rChanged:
			v[i] = strCell("")
		case rTime:
			// changed_at of a current table keeps its last value
		case rEmit:
		default:
			if c.nullable {
				v[i] = nullCell()
			}
		}
	}
	return v
}

// changedList names the attributes of unit whose value differs.
func (p *plan) changedList(unit []int, a, b *pstate, only []bool) string {
	var names []string
	for _, x := range unit {
		if !valEq(valOf(a, x), valOf(b, x)) {
			names = append(names, p.attrs[x].name)
			if only != nil {
				only[x] = true
			}
		}
	}
	return strings.Join(names, ",")
}

// record builds the Arrow record of rows of table o.
func record(mem memory.Allocator, o *out, rows []row) arrow.RecordBatch {
	rb := array.NewRecordBuilder(mem, o.t.Schema)
	defer rb.Release()
	for i, c := range o.cols {
		f := rb.Field(i)
		for _, r := range rows {
			v := r[i]
			if v.null {
				f.AppendNull()
				continue
			}
			switch c.typ.ID() {
			case arrow.STRING:
				f.(*array.StringBuilder).Append(v.s)
			case arrow.FLOAT64:
				f.(*array.Float64Builder).Append(v.f)
			case arrow.INT64:
				f.(*array.Int64Builder).Append(v.i)
			case arrow.INT32:
				f.(*array.Int32Builder).Append(int32(v.i))
			case arrow.TIMESTAMP:
				f.(*array.TimestampBuilder).Append(arrow.Timestamp(v.i))
			}
		}
	}
	return rb.NewRecordBatch()
}
