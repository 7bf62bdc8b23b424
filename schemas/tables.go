package schemas

import (
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Table describes one output table: its name, its one Arrow schema (used for
// Parquet, Arrow IPC and DuckDB alike) and, for tables whose rows are
// versions of a keyed row, the key and the column that orders versions.
type Table struct {
	Name    string
	Schema  *arrow.Schema
	Key     []string // non-empty: rows are upserts on this key
	Version string   // with Key: the column whose highest value wins
	// Identity names the columns that identify a row when two output sets
	// are compared: rows with the same identity and other values "changed".
	Identity []string
}

// Timestamp is the Arrow type of every time column: microseconds, UTC, stored
// without a zone so that DuckDB reads it as TIMESTAMP.
var Timestamp = &arrow.TimestampType{Unit: arrow.Microsecond}

func field(name string, t arrow.DataType, nullable bool) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: nullable}
}

var (
	str  = arrow.BinaryTypes.String
	i64  = arrow.PrimitiveTypes.Int64
	i32  = arrow.PrimitiveTypes.Int32
	f64  = arrow.PrimitiveTypes.Float64
	boo  = arrow.FixedWidthTypes.Boolean
	blob = arrow.BinaryTypes.Binary
)

// The output tables.
var (
	WindowBars = Table{Name: "window_bars",
		Identity: []string{"instrument_id", "attribute", "window_kind", "window_start", "window_end", "revision", "early"}, Schema: arrow.NewSchema([]arrow.Field{
			field("instrument_id", str, false), field("attribute", str, false), field("window_kind", str, false),
			field("window_start", Timestamp, false), field("window_end", Timestamp, false),
			field("open", f64, false), field("high", f64, false), field("low", f64, false), field("close", f64, false),
			field("count", i64, false), field("sum", f64, false), field("mean", f64, false), field("variance", f64, false),
			field("volume", f64, false), field("vwap", f64, true),
			field("first_time", Timestamp, false), field("last_time", Timestamp, false),
			field("late_updates", i64, false), field("revision", i32, false), field("early", boo, false),
			field("src_partition", i32, false), field("src_offset", i64, false),
		}, nil)}

	LateEvents = Table{Name: "late_events", Identity: []string{"src_partition", "src_offset", "attribute", "window_kind", "window_start", "window_end"}, Schema: arrow.NewSchema([]arrow.Field{
		field("instrument_id", str, false), field("attribute", str, false), field("window_kind", str, false), field("event_time", Timestamp, false),
		field("value", f64, false), field("window_start", Timestamp, false), field("window_end", Timestamp, false),
		field("watermark", Timestamp, false), field("reason", str, false),
		field("src_partition", i32, false), field("src_offset", i64, false),
	}, nil)}

	Anomalies = Table{Name: "anomalies", Identity: []string{"instrument_id", "event_time", "detector", "attribute", "src_partition", "src_offset"}, Schema: arrow.NewSchema([]arrow.Field{
		field("instrument_id", str, false), field("event_time", Timestamp, false), field("detector", str, false),
		field("attribute", str, false), field("observed", f64, false), field("expected", f64, false),
		field("threshold", f64, false), field("score", f64, false), field("reason", str, false),
		field("src_partition", i32, false), field("src_offset", i64, false),
	}, nil)}

	DeadLetters = Table{Name: "dead_letters", Identity: []string{"src_partition", "src_offset"}, Schema: arrow.NewSchema([]arrow.Field{
		field("src_partition", i32, false), field("src_offset", i64, false),
		field("raw", blob, false), field("reason", str, false),
	}, nil)}

	AttrHistory = Table{Name: "attr_history", Key: []string{"instrument_id", "attribute", "valid_from"}, Version: "emit_offset",
		Identity: []string{"instrument_id", "attribute", "valid_from"},
		Schema: arrow.NewSchema([]arrow.Field{
			field("instrument_id", str, false), field("attribute", str, false),
			field("value_num", f64, true), field("value_str", str, true),
			field("valid_from", Timestamp, false), field("valid_to", Timestamp, true),
			field("op", str, false), field("change_seq", i64, false),
			field("src_partition", i32, false), field("src_offset", i64, false), field("emit_offset", i64, false),
		}, nil)}
)

// RawEvents is the raw-event archive: every input record with its source
// position and, when it decodes, its instrument and event time. It is
// written as Parquet only, partitioned by event date, so that a backfill
// over months does not depend on Kafka's retention.
var RawEvents = Table{Name: "raw_events", Identity: []string{"src_partition", "src_offset"},
	Schema: arrow.NewSchema([]arrow.Field{
		field("src_partition", i32, false), field("src_offset", i64, false),
		field("instrument_id", str, true), field("event_time", Timestamp, true),
		field("key", blob, true), field("raw", blob, false),
	}, nil)}

// RawEvent is one row of the raw-event archive.
type RawEvent struct {
	SrcPartition int32
	SrcOffset    int64
	InstrumentID string // "" when the record did not decode
	EventTime    int64
	Decoded      bool
	Key          []byte // the Kafka record key; nil for none
	Raw          []byte
}

// RawEventsRecord builds the Arrow record of raw_events rows. The caller
// releases it.
func RawEventsRecord(mem memory.Allocator, rows []RawEvent) arrow.RecordBatch {
	rb := array.NewRecordBuilder(mem, RawEvents.Schema)
	defer rb.Release()
	for i := range rows {
		r := &rows[i]
		c := cols{rb: rb}
		c.i32(r.SrcPartition)
		c.i64(r.SrcOffset)
		if r.Decoded {
			c.str(r.InstrumentID)
			c.ts(r.EventTime)
		} else {
			c.null()
			c.null()
		}
		if r.Key == nil {
			c.null()
		} else {
			c.blob(r.Key)
		}
		c.blob(r.Raw)
	}
	return rb.NewRecordBatch()
}

// Tables lists every output table in a fixed order.
var Tables = []*Table{&WindowBars, &LateEvents, &Anomalies, &DeadLetters, &AttrHistory}

// Batch holds the rows one lane emitted in one epoch, one slice per table;
// window bars, the most numerous, in chunks (see AppendBars). It is not safe
// for concurrent use.
type Batch struct {
	bars        [][]WindowBar // full chunks, then the open one
	nbars       int
	free        [][]WindowBar // chunks kept by Reset
	Late        []LateEvent
	Anomalies   []Anomaly
	DeadLetters []DeadLetter
	History     []HistoryRow
}

// barChunk is the number of window bars in a chunk of a Batch.
const barChunk = 8192

// AppendBars appends window bars. They go into fixed-size chunks, so that a
// batch of an epoch's bars (hundreds of thousands of rows) never grows by
// copying; Reset keeps the chunks for the next epoch.
func (b *Batch) AppendBars(rows []WindowBar) {
	for len(rows) > 0 {
		if len(b.bars) == 0 || len(b.bars[len(b.bars)-1]) == barChunk {
			var c []WindowBar
			if n := len(b.free); n > 0 {
				c, b.free = b.free[n-1], b.free[:n-1]
			} else {
				c = make([]WindowBar, 0, barChunk)
			}
			b.bars = append(b.bars, c)
		}
		last := &b.bars[len(b.bars)-1]
		k := min(len(rows), barChunk-len(*last))
		*last = append(*last, rows[:k]...)
		rows = rows[k:]
		b.nbars += k
	}
}

// NumBars returns the number of window bars in the batch.
func (b *Batch) NumBars() int { return b.nbars }

// Bars returns the window bars in the order they were appended.
func (b *Batch) Bars() []WindowBar {
	out := make([]WindowBar, 0, b.nbars)
	for _, c := range b.bars {
		out = append(out, c...)
	}
	return out
}

// Reset empties the batch, keeping its backing arrays.
func (b *Batch) Reset() {
	for _, c := range b.bars {
		b.free = append(b.free, c[:0])
	}
	b.bars, b.nbars = b.bars[:0], 0
	b.Late, b.Anomalies = b.Late[:0], b.Anomalies[:0]
	b.History = b.History[:0]
	for i := range b.DeadLetters {
		b.DeadLetters[i].Raw = nil
	}
	b.DeadLetters = b.DeadLetters[:0]
}

// Len returns the number of rows of the named table in the batch.
func (b *Batch) Len(t *Table) int {
	switch t {
	case &WindowBars:
		return b.nbars
	case &LateEvents:
		return len(b.Late)
	case &Anomalies:
		return len(b.Anomalies)
	case &DeadLetters:
		return len(b.DeadLetters)
	case &AttrHistory:
		return len(b.History)
	}
	return 0
}

// EachRecord builds the Arrow records of table t from the batch's rows, of at
// most about rows rows each (window bars: whole chunks, at least one), and
// calls fn with each; the record is released when fn returns. Writing an
// epoch record by record bounds the memory it takes.
func (b *Batch) EachRecord(mem memory.Allocator, t *Table, rows int, fn func(arrow.RecordBatch) error) error {
	if t != &WindowBars {
		rec := b.Record(mem, t)
		defer rec.Release()
		return fn(rec)
	}
	per := max(1, rows/barChunk)
	for i := 0; i < len(b.bars); i += per {
		rec := barsRecord(mem, b.bars[i:min(i+per, len(b.bars))])
		err := fn(rec)
		rec.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// Record builds the Arrow record of table t from the batch's rows. The
// caller releases it.
func (b *Batch) Record(mem memory.Allocator, t *Table) arrow.RecordBatch {
	if t == &WindowBars {
		return barsRecord(mem, b.bars)
	}
	rb := array.NewRecordBuilder(mem, t.Schema)
	defer rb.Release()
	switch t {
	case &LateEvents:
		appendLate(rb, b.Late)
	case &Anomalies:
		appendAnomalies(rb, b.Anomalies)
	case &DeadLetters:
		appendDeadLetters(rb, b.DeadLetters)
	case &AttrHistory:
		appendHistory(rb, b.History)
	}
	return rb.NewRecordBatch()
}

// cols gives typed access to a record builder's fields by position.
type cols struct {
	rb *array.RecordBuilder
	i  int
}

func (c *cols) next() array.Builder { f := c.rb.Field(c.i); c.i++; return f }
func (c *cols) str(v string)        { c.next().(*array.StringBuilder).Append(v) }
func (c *cols) i64(v int64)         { c.next().(*array.Int64Builder).Append(v) }
func (c *cols) i32(v int32)         { c.next().(*array.Int32Builder).Append(v) }
func (c *cols) f64(v float64)       { c.next().(*array.Float64Builder).Append(v) }
func (c *cols) boo(v bool)          { c.next().(*array.BooleanBuilder).Append(v) }
func (c *cols) blob(v []byte)       { c.next().(*array.BinaryBuilder).Append(v) }
func (c *cols) ts(v int64)          { c.next().(*array.TimestampBuilder).Append(arrow.Timestamp(v)) }
func (c *cols) null()               { c.next().AppendNull() }

// barsRecord builds the window_bars record of the rows of chunks. It fills
// each column's buffers directly, in one pass over the rows, rather than
// through array builders: the columns are fixed-width or strings whose total
// sizes are known from a first pass, and only vwap can be null, so no column
// but vwap needs a validity bitmap, and vwap only when some row has none.
// The record equals what the builders of the schema make of the same rows.
func barsRecord(mem memory.Allocator, chunks [][]WindowBar) arrow.RecordBatch {
	n, nulls := 0, 0
	var idBytes, attrBytes, kindBytes int
	for _, c := range chunks {
		n += len(c)
		for i := range c {
			r := &c[i]
			idBytes += len(r.InstrumentID)
			attrBytes += len(r.Attribute)
			kindBytes += len(r.WindowKind)
			if !r.HasVWAP {
				nulls++
			}
		}
	}
	if max(idBytes, attrBytes, kindBytes) > math.MaxInt32 {
		panic("schemas: window_bars string column exceeds 2 GiB")
	}
	id, attr, kind := newStringColumn(mem, n, idBytes), newStringColumn(mem, n, attrBytes), newStringColumn(mem, n, kindBytes)
	start, end, first, last := newColumn[int64](mem, n), newColumn[int64](mem, n), newColumn[int64](mem, n), newColumn[int64](mem, n)
	open, high, low, cls := newColumn[float64](mem, n), newColumn[float64](mem, n), newColumn[float64](mem, n), newColumn[float64](mem, n)
	sum, mean, vari, vol := newColumn[float64](mem, n), newColumn[float64](mem, n), newColumn[float64](mem, n), newColumn[float64](mem, n)
	vwap, count, late, srcO := newColumn[float64](mem, n), newColumn[int64](mem, n), newColumn[int64](mem, n), newColumn[int64](mem, n)
	rev, srcP := newColumn[int32](mem, n), newColumn[int32](mem, n)
	early := newBitmap(mem, n)
	var valid *memory.Buffer
	if nulls > 0 {
		valid = newBitmap(mem, n)
	}
	// The typed views of the buffers, cut to n so that the compiler can
	// drop the bounds checks of most stores.
	var (
		vStart, vEnd, vFirst, vLast = viewOf[int64](start, n), viewOf[int64](end, n), viewOf[int64](first, n), viewOf[int64](last, n)
		vOpen, vHigh, vLow, vClose  = viewOf[float64](open, n), viewOf[float64](high, n), viewOf[float64](low, n), viewOf[float64](cls, n)
		vSum, vMean, vVar, vVol     = viewOf[float64](sum, n), viewOf[float64](mean, n), viewOf[float64](vari, n), viewOf[float64](vol, n)
		vVWAP, vCount, vLate, vSrcO = viewOf[float64](vwap, n), viewOf[int64](count, n), viewOf[int64](late, n), viewOf[int64](srcO, n)
		vRev, vSrcP                 = viewOf[int32](rev, n), viewOf[int32](srcP, n)
		vEarly                      = early.Bytes()
	)
	var vValid []byte
	if valid != nil {
		vValid = valid.Bytes()
	}
	k := 0
	for _, c := range chunks {
		for i := range c {
			r := &c[i]
			id.append(k, r.InstrumentID)
			attr.append(k, r.Attribute)
			kind.append(k, r.WindowKind)
			vStart[k], vEnd[k] = r.WindowStart, r.WindowEnd
			vOpen[k], vHigh[k], vLow[k], vClose[k] = r.Open, r.High, r.Low, r.Close
			vCount[k], vSum[k], vMean[k], vVar[k], vVol[k] = r.Count, r.Sum, r.Mean, r.Variance, r.Volume
			if r.HasVWAP {
				vVWAP[k] = r.VWAP
				if vValid != nil {
					bitutil.SetBit(vValid, k)
				}
			} else {
				vVWAP[k] = 0
			}
			vFirst[k], vLast[k] = r.FirstTime, r.LastTime
			vLate[k], vRev[k] = r.LateUpdates, r.Revision
			if r.Early {
				bitutil.SetBit(vEarly, k)
			}
			vSrcP[k], vSrcO[k] = r.SrcPartition, r.SrcOffset
			k++
		}
	}
	cols := []arrow.Array{
		id.array(n), attr.array(n), kind.array(n),
		newArray(Timestamp, n, 0, nil, start), newArray(Timestamp, n, 0, nil, end),
		newArray(f64, n, 0, nil, open), newArray(f64, n, 0, nil, high), newArray(f64, n, 0, nil, low), newArray(f64, n, 0, nil, cls),
		newArray(i64, n, 0, nil, count), newArray(f64, n, 0, nil, sum), newArray(f64, n, 0, nil, mean), newArray(f64, n, 0, nil, vari),
		newArray(f64, n, 0, nil, vol), newArray(f64, n, nulls, valid, vwap),
		newArray(Timestamp, n, 0, nil, first), newArray(Timestamp, n, 0, nil, last),
		newArray(i64, n, 0, nil, late), newArray(i32, n, 0, nil, rev), newArray(boo, n, 0, nil, early),
		newArray(i32, n, 0, nil, srcP), newArray(i64, n, 0, nil, srcO),
	}
	rec := array.NewRecordBatch(WindowBars.Schema, cols, int64(n))
	for _, a := range cols {
		a.Release()
	}
	return rec
}

// newBuffer allocates a buffer of size bytes from mem.
func newBuffer(mem memory.Allocator, size int) *memory.Buffer {
	b := memory.NewResizableBuffer(mem)
	b.Resize(size)
	return b
}

// newColumn allocates the values buffer of n fixed-width values of type T.
func newColumn[T int32 | int64 | float64](mem memory.Allocator, n int) *memory.Buffer {
	var v T
	return newBuffer(mem, n*int(unsafe.Sizeof(v)))
}

// newBitmap allocates a bitmap of n bits, all clear.
func newBitmap(mem memory.Allocator, n int) *memory.Buffer {
	b := newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
	clear(b.Bytes())
	return b
}

// viewOf returns the first n values of buffer b as a slice of T.
func viewOf[T int32 | int64 | float64](b *memory.Buffer, n int) []T {
	return arrow.GetData[T](b.Bytes())[:n]
}

// newArray makes an array of n values of type dt from its validity bitmap
// (nil when there are no nulls) and values buffer, and releases the buffers:
// the array holds them.
func newArray(dt arrow.DataType, n, nulls int, valid, values *memory.Buffer) arrow.Array {
	d := array.NewData(dt, n, []*memory.Buffer{valid, values}, nil, nulls, 0)
	a := array.MakeFromData(d)
	d.Release()
	if valid != nil {
		valid.Release()
	}
	values.Release()
	return a
}

// stringColumn is the offsets and data buffers of a string column being
// filled row by row.
type stringColumn struct {
	offsets, data *memory.Buffer
	offs          []int32
	bytes         []byte
	pos           int32
}

func newStringColumn(mem memory.Allocator, n, size int) stringColumn {
	c := stringColumn{offsets: newColumn[int32](mem, n+1), data: newBuffer(mem, size)}
	c.offs, c.bytes = viewOf[int32](c.offsets, n+1), c.data.Bytes()
	c.offs[0] = 0
	return c
}

// append sets row k, the row after the last, to s.
func (c *stringColumn) append(k int, s string) {
	c.pos += int32(copy(c.bytes[c.pos:], s))
	c.offs[k+1] = c.pos
}

// array makes the column's string array of n rows and releases the buffers.
func (c *stringColumn) array(n int) arrow.Array {
	d := array.NewData(str, n, []*memory.Buffer{nil, c.offsets, c.data}, nil, 0, 0)
	a := array.MakeFromData(d)
	d.Release()
	c.offsets.Release()
	c.data.Release()
	return a
}

func appendLate(rb *array.RecordBuilder, rows []LateEvent) {
	for i := range rows {
		r := &rows[i]
		c := cols{rb: rb}
		c.str(r.InstrumentID)
		c.str(r.Attribute)
		c.str(r.WindowKind)
		c.ts(r.EventTime)
		c.f64(r.Value)
		c.ts(r.WindowStart)
		c.ts(r.WindowEnd)
		c.ts(r.Watermark)
		c.str(r.Reason)
		c.i32(r.SrcPartition)
		c.i64(r.SrcOffset)
	}
}

func appendAnomalies(rb *array.RecordBuilder, rows []Anomaly) {
	for i := range rows {
		r := &rows[i]
		c := cols{rb: rb}
		c.str(r.InstrumentID)
		c.ts(r.EventTime)
		c.str(r.Detector)
		c.str(r.Attribute)
		c.f64(r.Observed)
		c.f64(r.Expected)
		c.f64(r.Threshold)
		c.f64(r.Score)
		c.str(r.Reason)
		c.i32(r.SrcPartition)
		c.i64(r.SrcOffset)
	}
}

func appendDeadLetters(rb *array.RecordBuilder, rows []DeadLetter) {
	for i := range rows {
		r := &rows[i]
		c := cols{rb: rb}
		c.i32(r.SrcPartition)
		c.i64(r.SrcOffset)
		c.blob(r.Raw)
		c.str(r.Reason)
	}
}

func appendHistory(rb *array.RecordBuilder, rows []HistoryRow) {
	for i := range rows {
		r := &rows[i]
		c := cols{rb: rb}
		c.str(r.InstrumentID)
		c.str(r.Attribute)
		switch r.Value.Kind {
		case KindNumber:
			c.f64(r.Value.Num)
			c.null()
		case KindString:
			c.null()
			c.str(r.Value.Str)
		default:
			c.null()
			c.null()
		}
		c.ts(r.ValidFrom)
		if r.Open {
			c.null()
		} else {
			c.ts(r.ValidTo)
		}
		c.str(r.Op.String())
		c.i64(r.ChangeSeq)
		c.i32(r.SrcPartition)
		c.i64(r.SrcOffset)
		c.i64(r.EmitOffset)
	}
}
