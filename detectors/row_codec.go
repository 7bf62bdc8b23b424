package detectors

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"pricewatch/ckpt"
)

// The checkpoint of a state table is binary: rowsMagic, the row layout (the
// path and kind of every field, so that a checkpoint of another layout is
// refused rather than misread), the attribute names, the row count, then
// each row's fields in order — fixed-size fields little-endian, a []float64
// as its length, the number of values up to the last non-zero one, and
// those values. Gob spent 25 ms a checkpoint on the z-score
// table of 2,500 instruments, whose rows hold a window of returns each.
const rowsMagic = "PWD1"

// rowOp is one leaf field of a row: where it is and how it is coded.
type rowOp struct {
	off  uintptr
	kind reflect.Kind // Float64, Int64, Int32, Bool or Slice (of float64)
}

// rowCodec codes the rows of one state type. It is safe for concurrent use.
type rowCodec struct {
	ops    []rowOp
	layout string // "Last.Value:float64,Last.Time:int64,..."
}

var rowCodecs sync.Map // reflect.Type → *rowCodec

// codecFor returns the codec of T, built once. T's fields must be float64,
// int64, int32, bool, []float64 or structs of them: a state type with any
// other field is a programming error.
func codecFor[T any]() *rowCodec {
	t := reflect.TypeFor[T]()
	if c, ok := rowCodecs.Load(t); ok {
		return c.(*rowCodec)
	}
	c := &rowCodec{}
	var layout []string
	var walk func(t reflect.Type, off uintptr, path string)
	walk = func(t reflect.Type, off uintptr, path string) {
		for i := range t.NumField() {
			f := t.Field(i)
			p := path + f.Name
			switch k := f.Type.Kind(); {
			case k == reflect.Struct:
				walk(f.Type, off+f.Offset, p+".")
			case k == reflect.Float64, k == reflect.Int64, k == reflect.Int32, k == reflect.Bool,
				k == reflect.Slice && f.Type.Elem().Kind() == reflect.Float64:
				c.ops = append(c.ops, rowOp{off: off + f.Offset, kind: k})
				layout = append(layout, p+":"+f.Type.String())
			default:
				panic(fmt.Sprintf("detectors: state field %s.%s of type %s cannot be checkpointed", t, p, f.Type))
			}
		}
	}
	walk(t, 0, "")
	c.layout = strings.Join(layout, ",")
	v, _ := rowCodecs.LoadOrStore(t, c)
	return v.(*rowCodec)
}

// appendRows appends the checkpoint of rows over attrs to b.
func appendRows[T any](b []byte, attrs []string, rows []T) []byte {
	c := codecFor[T]()
	b = slices.Grow(b, rowsSize(c, attrs, rows))
	b = append(b, rowsMagic...)
	b = ckpt.AppendString(b, c.layout)
	b = binary.AppendUvarint(b, uint64(len(attrs)))
	for _, a := range attrs {
		b = ckpt.AppendString(b, a)
	}
	b = binary.AppendUvarint(b, uint64(len(rows)))
	for i := range rows {
		p := unsafe.Pointer(&rows[i])
		for _, op := range c.ops {
			f := unsafe.Add(p, op.off)
			switch op.kind {
			case reflect.Float64, reflect.Int64:
				b = binary.LittleEndian.AppendUint64(b, *(*uint64)(f))
			case reflect.Int32:
				b = binary.LittleEndian.AppendUint32(b, *(*uint32)(f))
			case reflect.Bool:
				b = append(b, *(*byte)(f))
			case reflect.Slice:
				s := *(*[]float64)(f)
				b = binary.AppendUvarint(b, uint64(len(s)))
				k := stored(s)
				b = binary.AppendUvarint(b, uint64(k))
				for _, x := range s[:k] {
					b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
				}
			}
		}
	}
	return b
}

// stored is the number of values of s a checkpoint stores: trailing zeros
// (a window not yet full) are left out.
func stored(s []float64) int {
	k := len(s)
	for k > 0 && math.Float64bits(s[k-1]) == 0 {
		k--
	}
	return k
}

// rowsSize (exact but for the varints' slack) is an upper bound of the bytes appendRows appends.
func rowsSize[T any](c *rowCodec, attrs []string, rows []T) int {
	n := len(rowsMagic) + 2*binary.MaxVarintLen64 + len(c.layout) + binary.MaxVarintLen64
	for _, a := range attrs {
		n += binary.MaxVarintLen64 + len(a)
	}
	row := 0
	var sliceOffs []uintptr
	for _, op := range c.ops {
		switch op.kind {
		case reflect.Float64, reflect.Int64:
			row += 8
		case reflect.Int32:
			row += 4
		case reflect.Bool:
			row++
		case reflect.Slice:
			row += 2 * binary.MaxVarintLen64
			sliceOffs = append(sliceOffs, op.off)
		}
	}
	n += len(rows) * row
	for i := range rows {
		p := unsafe.Pointer(&rows[i])
		for _, off := range sliceOffs {
			n += 8 * stored(*(*[]float64)(unsafe.Add(p, off)))
		}
	}
	return n
}

// maxSlice bounds a stored list's length (the longest window a detector
// keeps is far shorter), so that a damaged count cannot allocate the machine.
const maxSlice = 1 << 24

// readRows reads a checkpoint of appendRows: the attribute names and rows.
// A checkpoint of another row layout, or a damaged one, is an error.
func readRows[T any](b []byte) (attrs []string, rows []T, err error) {
	c := codecFor[T]()
	if len(b) < len(rowsMagic) || string(b[:len(rowsMagic)]) != rowsMagic {
		return nil, nil, fmt.Errorf("checkpoint rows do not start with %s", rowsMagic)
	}
	d := ckpt.NewDecoder(b, len(rowsMagic), "checkpoint rows")
	if layout := d.String(); d.Err() == nil && layout != c.layout {
		return nil, nil, fmt.Errorf("checkpoint rows are %q, this build's are %q", layout, c.layout)
	}
	n := d.Count(1)
	for range n {
		attrs = append(attrs, d.String())
	}
	rows = make([]T, d.Count(1))
	for i := range rows {
		p := unsafe.Pointer(&rows[i])
		for _, op := range c.ops {
			f := unsafe.Add(p, op.off)
			switch op.kind {
			case reflect.Float64, reflect.Int64:
				*(*uint64)(f) = d.Uint64()
			case reflect.Int32:
				*(*uint32)(f) = d.Uint32()
			case reflect.Bool:
				switch v := d.Byte(); v {
				case 0, 1:
					*(*bool)(f) = v == 1
				default:
					d.Fail("bad bool")
				}
			case reflect.Slice:
				if n, k := d.Uvarint(), d.Count(8); n > maxSlice || uint64(k) > n {
					d.Fail(fmt.Sprintf("a list of %d values, %d of them stored", n, k))
				} else if n > 0 {
					s := make([]float64, n)
					for j := range s[:k] {
						s[j] = math.Float64frombits(d.Uint64())
					}
					*(*[]float64)(f) = s
				}
			}
			if err := d.Err(); err != nil {
				return nil, nil, err
			}
		}
	}
	return attrs, rows, d.End()
}
