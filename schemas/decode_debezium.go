package schemas

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DebeziumSpec configures a DebeziumDecoder: which columns of the captured
// table (an instruments table) are the instrument id, the effective time and
// the attributes. It is the `source.debezium` section of a job config.
type DebeziumSpec struct {
	// IDColumn is the column that holds the instrument id, a string or an
	// integer. Default "instrument_id".
	IDColumn string `yaml:"id_column"`
	// TimeColumn is the column that holds the effective time of a change
	// (a date, an RFC 3339 time, epoch milliseconds, or the Debezium or
	// Kafka Connect time type the schema names). "" (the default) uses the
	// envelope's ts_ms. Deletes always use ts_ms: the row before a delete
	// carries the time of the previous change, not of the delete.
	TimeColumn string `yaml:"time_column"`
	// TimeUnit says what a number in TimeColumn counts when no schema names
	// its type (Debezium's JSON converter with schemas.enable=false): "days"
	// (a DATE column), "millis", "micros" or "nanos" since the epoch.
	// Default "millis".
	TimeUnit string `yaml:"time_unit"`
	// Columns maps a column to the attribute it is reported as; columns not
	// in it are ignored. Empty (the default) reports every column under its
	// own name except IDColumn and TimeColumn.
	Columns map[string]string `yaml:"columns"`
}

// DefaultDebeziumSpec returns the spec with every default filled in.
func DefaultDebeziumSpec() DebeziumSpec {
	return DebeziumSpec{IDColumn: "instrument_id", TimeUnit: "millis"}
}

// Validate checks the spec, naming the key and the value that are wrong.
// Empty IDColumn and TimeUnit mean their defaults.
func (s DebeziumSpec) Validate() error {
	switch s.TimeUnit {
	case "", "days", "millis", "micros", "nanos":
	default:
		return fmt.Errorf("time_unit: %q is not allowed; want days, millis, micros or nanos", s.TimeUnit)
	}
	byAttr := make(map[string]string, len(s.Columns))
	for _, col := range slices.Sorted(maps.Keys(s.Columns)) {
		attr := s.Columns[col]
		switch {
		case col == "":
			return fmt.Errorf("columns: an empty column name is not allowed")
		case attr == "":
			return fmt.Errorf("columns.%s: %q is not allowed; want an attribute name", col, attr)
		case byAttr[attr] != "":
			return fmt.Errorf("columns.%s: %q is not allowed; column %q already maps to it", col, attr, byAttr[attr])
		}
		byAttr[attr] = col
	}
	return nil
}

// DebeziumDecoder decodes Debezium change events of an instruments table,
// as written by Kafka Connect's JSON converter with or without the
// schema/payload wrapper, into Events:
//
//   - op "c" (create) and "r" (snapshot read) are upserts of every configured
//     column of "after";
//   - op "u" is an upsert of the configured columns whose value differs
//     between "before" and "after", or of all of them when "before" is
//     absent (PostgreSQL's default REPLICA IDENTITY); an update that changed
//     none of them is skipped;
//   - op "d" is a delete, with no attributes;
//   - a tombstone (an empty or null value) is skipped.
//
// The instrument id comes from the id column of "after" (of "before" for a
// delete), else of the record key. The event time is the time column of
// "after", or ts_ms (see DebeziumSpec.TimeColumn); RecordedAt is source.ts_ms,
// when the change was committed in the database. Values are numbers, strings
// and nulls; booleans become the strings "true" and "false"; Kafka Connect
// decimals (base64 bytes) are decoded to numbers when a schema says so,
// otherwise strings stay strings. A column holding Debezium's
// "__debezium_unavailable_value" placeholder (an unchanged TOASTed value) is
// left out. Attrs are sorted by name.
//
// A DebeziumDecoder is not safe for concurrent use.
type DebeziumDecoder struct {
	spec DebeziumSpec
	cols []string // configured columns, sorted; nil: every column
}

// NewDebeziumDecoder returns a decoder for a spec, filling its defaults.
func NewDebeziumDecoder(spec DebeziumSpec) (*DebeziumDecoder, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	def := DefaultDebeziumSpec()
	if spec.IDColumn == "" {
		spec.IDColumn = def.IDColumn
	}
	if spec.TimeUnit == "" {
		spec.TimeUnit = def.TimeUnit
	}
	d := &DebeziumDecoder{spec: spec}
	if len(spec.Columns) > 0 {
		d.spec.Columns = make(map[string]string, len(spec.Columns))
		for c, a := range spec.Columns {
			d.spec.Columns[c] = a
			d.cols = append(d.cols, c)
		}
		slices.Sort(d.cols)
	}
	return d, nil
}

// Spec returns the decoder's spec, with its defaults filled in.
func (d *DebeziumDecoder) Spec() DebeziumSpec { return d.spec }

// unavailableValue is what Debezium's PostgreSQL connector writes for an
// unchanged TOASTed column (its unavailable.value.placeholder default).
const unavailableValue = "__debezium_unavailable_value"

// Logical type names of Kafka Connect and Debezium schemas.
const (
	connectDecimal     = "org.apache.kafka.connect.data.Decimal"
	connectDate        = "org.apache.kafka.connect.data.Date"
	connectTimestamp   = "org.apache.kafka.connect.data.Timestamp"
	dbzVariableDecimal = "io.debezium.data.VariableScaleDecimal"
	dbzDate            = "io.debezium.time.Date"
	dbzTimestamp       = "io.debezium.time.Timestamp"
	dbzMicroTimestamp  = "io.debezium.time.MicroTimestamp"
	dbzNanoTimestamp   = "io.debezium.time.NanoTimestamp"
	maxDecimalBytes    = 64 // longest unscaled decimal accepted, in bytes
	maxDecimalScale    = 1000
	debeziumOpWant     = `want "c", "r", "u" or "d"`
)

// columnType is what a schema says about one column.
type columnType struct {
	name  string // logical type name, e.g. connectDecimal
	scale int    // of a connectDecimal
}

// connectSchema is a Kafka Connect schema in its JSON converter form.
type connectSchema struct {
	Type       string                     `json:"type"`
	Name       string                     `json:"name"`
	Field      string                     `json:"field"`
	Fields     []connectSchema            `json:"fields"`
	Parameters map[string]json.RawMessage `json:"parameters"`
}

// Decode decodes the change event of one Kafka record (key and value) into
// ev, reusing ev.Attrs' backing array. It does not set ev.Partition or
// ev.Offset. skip is true, with a nil error, for a record that carries no
// change for the job: a tombstone, or an update that changed no configured
// column. The key is read only when the row lacks the id column; it may be
// nil. On error, which is a *DecodeError, the contents of ev are unspecified.
func (d *DebeziumDecoder) Decode(key, value []byte, ev *Event) (skip bool, err error) {
	ev.InstrumentID, ev.Sym = "", 0
	ev.EventTime = 0
	ev.Seq, ev.HasSeq = 0, false
	ev.Op = OpUpsert
	ev.RecordedAt, ev.HasRecordedAt = 0, false
	ev.Attrs = ev.Attrs[:0]
	skip, derr := d.decode(key, value, ev)
	if derr != nil {
		return false, derr
	}
	return skip, nil
}

func (d *DebeziumDecoder) decode(key, value []byte, ev *Event) (bool, *DecodeError) {
	value = bytes.TrimSpace(value)
	if len(value) == 0 {
		return true, nil // tombstone
	}
	top, err := jsonObject(value, "record")
	if err != nil || top == nil {
		return top == nil && err == nil, err // null: a tombstone
	}
	payload, types := top, map[string]map[string]columnType(nil)
	if _, ok := top["op"]; !ok {
		if raw, ok := top["payload"]; ok {
			if payload, err = jsonObject(raw, `field "payload"`); err != nil || payload == nil {
				return payload == nil && err == nil, err // {"schema":null,"payload":null}
			}
			if types, err = envelopeTypes(top["schema"]); err != nil {
				return false, err
			}
		}
	}

	op, err := debeziumOp(payload)
	if err != nil {
		return false, err
	}
	before, err := jsonObject(payload["before"], `field "before"`)
	if err != nil {
		return false, err
	}
	after, err := jsonObject(payload["after"], `field "after"`)
	if err != nil {
		return false, err
	}
	if op == 'd' {
		ev.Op = OpDelete
	} else if after == nil {
		return false, &DecodeError{Reason: `op "` + string(op) + `": field "after": want an object, got null or nothing`}
	}

	if err := d.instrument(key, op, before, after, types, ev); err != nil {
		return false, err
	}
	if err := d.eventTime(op, payload, after, types["after"], ev); err != nil {
		return false, err
	}
	if err := d.recordedAt(payload, ev); err != nil {
		return false, err
	}
	if op == 'd' {
		return false, nil
	}
	if op != 'u' {
		before = nil // only an update's before is compared
	}
	changed, err := d.attrs(before, after, types["before"], types["after"], ev)
	if err != nil {
		return false, err
	}
	if op == 'u' && !changed {
		ev.Attrs = ev.Attrs[:0]
		return true, nil
	}
	return false, nil
}

// debeziumOp returns the envelope's op.
func debeziumOp(payload map[string]json.RawMessage) (byte, *DecodeError) {
	raw, ok := payload["op"]
	if !ok {
		return 0, &DecodeError{Reason: `missing field "op"`}
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return 0, &DecodeError{Reason: `field "op": ` + debeziumOpWant + `, got ` + dbzKind(raw)}
	}
	switch s {
	case "c", "r", "u", "d":
		return s[0], nil
	}
	return 0, &DecodeError{Reason: `field "op": ` + debeziumOpWant + `, got ` + dbzQuote([]byte(s))}
}

// instrument sets ev.InstrumentID from the id column of the changed row
// (after, or before for a delete), else of the other row, else of the
// record key.
func (d *DebeziumDecoder) instrument(key []byte, op byte, before, after map[string]json.RawMessage, types map[string]map[string]columnType, ev *Event) *DecodeError {
	col := d.spec.IDColumn
	rows := [2]string{"after", "before"}
	if op == 'd' {
		rows = [2]string{"before", "after"}
	}
	var raw json.RawMessage
	var ct columnType
	where := ""
	for _, name := range rows {
		row := after
		if name == "before" {
			row = before
		}
		if v, ok := row[col]; ok && !isJSONNull(v) {
			raw, ct, where = v, types[name][col], `column "`+col+`" of "`+name+`"`
			break
		}
	}
	if raw == nil {
		var ok bool
		if raw, ct, ok = keyColumn(key, col); !ok {
			return &DecodeError{Reason: `missing id column "` + col + `"`}
		}
		where = `column "` + col + `" of the key`
	}
	id, err := idString(raw, ct)
	if err != nil {
		return &DecodeError{Reason: where + ": " + err.Error()}
	}
	ev.InstrumentID = id
	return nil
}

// keyColumn returns the column col of a record key, a JSON object with or
// without the schema/payload wrapper, and whether it has it.
func keyColumn(key []byte, col string) (json.RawMessage, columnType, bool) {
	obj, err := jsonObject(bytes.TrimSpace(key), "key")
	if err != nil || obj == nil {
		return nil, columnType{}, false
	}
	var types map[string]columnType
	if _, own := obj[col]; !own {
		if raw, ok := obj["payload"]; ok {
			var s connectSchema
			if sr, ok := obj["schema"]; ok && !isJSONNull(sr) {
				_ = json.Unmarshal(sr, &s)
			}
			types = columnTypes(s.Fields)
			if obj, err = jsonObject(raw, "payload"); err != nil || obj == nil {
				return nil, columnType{}, false
			}
		}
	}
	raw, ok := obj[col]
	if !ok || isJSONNull(raw) {
		return nil, columnType{}, false
	}
	return raw, types[col], true
}

// idString returns an instrument id: a non-empty string as it is, an
// integer in plain digits as written (1000), any other number without an
// exponent (1e3 is "1000"), a decimal the schema declares as its number.
func idString(raw json.RawMessage, ct columnType) (string, error) {
	const want = "want a non-empty string or a number, got "
	switch c := raw[0]; {
	case c == '"' && ct.name != connectDecimal:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", errors.New("invalid string")
		}
		if s == "" {
			return "", errors.New(want + "an empty string")
		}
		return s, nil
	case c == '-' || dbzDigit(c):
		if isJSONInteger(raw) {
			return string(raw), nil
		}
		return formatID(dbzFloat(raw), raw)
	case c == '"' || (c == '{' && ct.name == dbzVariableDecimal):
		v, _, err := columnValue(raw, ct)
		if err != nil {
			return "", err
		}
		return formatID(v.Num, raw)
	}
	return "", errors.New(want + dbzKind(raw))
}

// formatID writes a numeric instrument id without an exponent.
func formatID(f float64, raw []byte) (string, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", errors.New("want a finite number, got " + dbzText(raw))
	}
	if f == 0 {
		f = 0 // not -0
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

// isJSONInteger reports whether a valid JSON number is written as an
// integer: digits, maybe after a minus.
func isJSONInteger(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("-"))
	for _, c := range b {
		if !dbzDigit(c) {
			return false
		}
	}
	return len(b) > 0
}

// eventTime sets ev.EventTime from the time column of after, or from ts_ms.
func (d *DebeziumDecoder) eventTime(op byte, payload, after map[string]json.RawMessage, types map[string]columnType, ev *Event) *DecodeError {
	col := d.spec.TimeColumn
	if col == "" || op == 'd' {
		t, ok, err := millisField(payload, "ts_ms", `field "ts_ms"`)
		if err != nil {
			return err
		}
		if !ok {
			src, err := jsonObject(payload["source"], `field "source"`)
			if err != nil {
				return err
			}
			if t, ok, err = millisField(src, "ts_ms", `field "source.ts_ms"`); err != nil {
				return err
			}
			if !ok {
				return &DecodeError{Reason: `missing field "ts_ms"`}
			}
		}
		ev.EventTime = t
		return nil
	}
	raw, ok := after[col]
	if !ok || isJSONNull(raw) {
		return &DecodeError{Reason: `missing time column "` + col + `" in "after"`}
	}
	t, ok := d.columnTime(raw, types[col])
	if !ok {
		return &DecodeError{Reason: `column "` + col + `": cannot parse ` + dbzText(raw) + ` as a time (` + d.timeWant(types[col]) + `)`}
	}
	ev.EventTime = t
	return nil
}

// timeWant says what the time column must hold, for a reason.
func (d *DebeziumDecoder) timeWant(ct columnType) string {
	switch ct.name {
	case dbzDate, connectDate:
		return "days since the epoch"
	case dbzTimestamp, connectTimestamp:
		return "epoch milliseconds"
	case dbzMicroTimestamp:
		return "epoch microseconds"
	case dbzNanoTimestamp:
		return "epoch nanoseconds"
	}
	return "a date, an RFC 3339 time or epoch " + d.spec.TimeUnit
}

// columnTime converts a time column's value to microseconds since the epoch.
func (d *DebeziumDecoder) columnTime(raw json.RawMessage, ct columnType) (int64, bool) {
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		layout := time.RFC3339Nano
		if len(s) == len(time.DateOnly) {
			layout = time.DateOnly
		}
		t, err := time.Parse(layout, s)
		if err != nil || t.Year() < 1 || t.Year() > 9999 {
			return 0, false
		}
		return t.UnixMicro(), true
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, false
	}
	unit := d.spec.TimeUnit
	switch ct.name {
	case dbzDate, connectDate:
		unit = "days"
	case dbzTimestamp, connectTimestamp:
		unit = "millis"
	case dbzMicroTimestamp:
		unit = "micros"
	case dbzNanoTimestamp:
		unit = "nanos"
	}
	switch unit {
	case "days":
		return scaleMicros(n, dbzMicrosPerDay)
	case "micros":
		return n, true
	case "nanos":
		return n / 1000, true
	}
	return scaleMicros(n, 1000)
}

// dbzMicrosPerDay is the number of microseconds in a day.
const dbzMicrosPerDay = 86400 * 1000000

// scaleMicros returns n*per, and false when it overflows an int64.
func scaleMicros(n, per int64) (int64, bool) {
	if n < math.MinInt64/per || n > math.MaxInt64/per {
		return 0, false
	}
	return n * per, true
}

// recordedAt sets ev.RecordedAt from source.ts_ms, when the source block has it.
func (d *DebeziumDecoder) recordedAt(payload map[string]json.RawMessage, ev *Event) *DecodeError {
	src, err := jsonObject(payload["source"], `field "source"`)
	if err != nil {
		return err
	}
	t, ok, err := millisField(src, "ts_ms", `field "source.ts_ms"`)
	if err != nil {
		return err
	}
	ev.RecordedAt, ev.HasRecordedAt = t, ok
	return nil
}

// millisField returns the epoch milliseconds of obj's field name, in
// microseconds, and false when obj does not have it (or it is null).
func millisField(obj map[string]json.RawMessage, name, where string) (int64, bool, *DecodeError) {
	raw, ok := obj[name]
	if !ok || isJSONNull(raw) {
		return 0, false, nil
	}
	if raw[0] != '-' && !dbzDigit(raw[0]) {
		return 0, false, &DecodeError{Reason: where + ": want epoch milliseconds, got " + dbzKind(raw)}
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	t, ok := scaleMicros(n, 1000)
	if err != nil || !ok {
		return 0, false, &DecodeError{Reason: where + ": want epoch milliseconds, got " + dbzText(raw)}
	}
	return t, true, nil
}

// attrs appends to ev.Attrs the configured columns of after, only those
// that differ from before when before is not nil, sorted by attribute name,
// and reports whether it appended any.
func (d *DebeziumDecoder) attrs(before, after map[string]json.RawMessage, beforeTypes, afterTypes map[string]columnType, ev *Event) (bool, *DecodeError) {
	cols := d.cols
	if cols == nil {
		cols = make([]string, 0, len(after))
		for c := range after {
			if c != d.spec.IDColumn && c != d.spec.TimeColumn {
				cols = append(cols, c)
			}
		}
		slices.Sort(cols)
	}
	start := len(ev.Attrs)
	for _, col := range cols {
		raw, ok := after[col]
		if !ok {
			continue
		}
		v, ok, err := columnValue(raw, afterTypes[col])
		if err != nil {
			return false, &DecodeError{Reason: `column "` + col + `" of "after": ` + err.Error()}
		}
		if !ok {
			continue // unavailable: unchanged
		}
		if before != nil {
			if braw, ok := before[col]; ok {
				bv, ok, err := columnValue(braw, beforeTypes[col])
				if err != nil {
					return false, &DecodeError{Reason: `column "` + col + `" of "before": ` + err.Error()}
				}
				if ok && bv.Equal(v) {
					continue
				}
			}
		}
		name := col
		if d.cols != nil {
			name = d.spec.Columns[col]
		}
		ev.Attrs = append(ev.Attrs, Attr{Name: name, Value: v})
	}
	added := ev.Attrs[start:]
	slices.SortFunc(added, func(a, b Attr) int { return strings.Compare(a.Name, b.Name) })
	return len(added) > 0, nil
}

// columnValue converts a column's JSON value to a Value. ok is false for
// Debezium's placeholder of an unavailable (unchanged) value.
func columnValue(raw json.RawMessage, ct columnType) (v Value, ok bool, err error) {
	switch c := raw[0]; {
	case c == 'n':
		return Value{}, true, nil
	case c == 't' || c == 'f':
		return Value{Kind: KindString, Str: string(raw)}, true, nil
	case c == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return Value{}, false, errors.New("invalid string")
		}
		if s == unavailableValue {
			return Value{}, false, nil
		}
		if ct.name == connectDecimal {
			f, err := decimalValue(s, ct.scale)
			if err != nil {
				return Value{}, false, err
			}
			return Value{Kind: KindNumber, Num: f}, true, nil
		}
		return Value{Kind: KindString, Str: s}, true, nil
	case c == '-' || dbzDigit(c):
		return Value{Kind: KindNumber, Num: dbzFloat(raw)}, true, nil
	case c == '{' && ct.name == dbzVariableDecimal:
		var vd struct {
			Scale *json.Number `json:"scale"`
			Value *string      `json:"value"`
		}
		if err := json.Unmarshal(raw, &vd); err != nil || vd.Scale == nil || vd.Value == nil {
			return Value{}, false, errors.New(`want a variable-scale decimal {"scale":N,"value":BASE64}`)
		}
		scale, err := strconv.Atoi(vd.Scale.String())
		if err != nil {
			return Value{}, false, errors.New("invalid decimal scale " + dbzText([]byte(vd.Scale.String())))
		}
		f, err := decimalValue(*vd.Value, scale)
		if err != nil {
			return Value{}, false, err
		}
		return Value{Kind: KindNumber, Num: f}, true, nil
	}
	return Value{}, false, errors.New("want a number, a string or null, got " + dbzKind(raw))
}

// decimalValue decodes a Kafka Connect decimal: the big-endian two's
// complement bytes of the unscaled value, base64-encoded, divided by
// 10^scale, rounded to the nearest float64.
func decimalValue(s string, scale int) (float64, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return 0, errors.New("invalid decimal: " + dbzQuote([]byte(s)) + " is not base64")
	}
	if len(b) > maxDecimalBytes {
		return 0, fmt.Errorf("invalid decimal: more than %d bytes", maxDecimalBytes)
	}
	if scale < -maxDecimalScale || scale > maxDecimalScale {
		return 0, fmt.Errorf("invalid decimal scale %d", scale)
	}
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	f, err := strconv.ParseFloat(n.String()+"e"+strconv.Itoa(-scale), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, errors.New("invalid decimal")
	}
	return f, nil
}

// envelopeTypes returns the column types of the "before" and "after" rows
// that an envelope schema declares, by row and column; nil when the schema
// is null or absent.
func envelopeTypes(raw json.RawMessage) (map[string]map[string]columnType, *DecodeError) {
	if raw == nil || isJSONNull(raw) {
		return nil, nil
	}
	var s connectSchema
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, &DecodeError{Reason: `field "schema": want a Kafka Connect schema`}
	}
	types := map[string]map[string]columnType{}
	for _, f := range s.Fields {
		if f.Field == "before" || f.Field == "after" {
			types[f.Field] = columnTypes(f.Fields)
		}
	}
	return types, nil
}

// columnTypes returns the logical types of a struct schema's fields.
func columnTypes(fields []connectSchema) map[string]columnType {
	var m map[string]columnType
	for _, f := range fields {
		if f.Name == "" {
			continue
		}
		ct := columnType{name: f.Name}
		if f.Name == connectDecimal {
			ct.scale = schemaScale(f.Parameters["scale"])
		}
		if m == nil {
			m = map[string]columnType{}
		}
		m[f.Field] = ct
	}
	return m
}

// schemaScale reads a decimal's scale parameter, a string ("2") in Kafka
// Connect's JSON schemas, or a number.
func schemaScale(raw json.RawMessage) int {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

// jsonObject decodes raw, which must be a JSON object or null, into its
// members; null or nothing gives a nil map. what names raw in reasons.
func jsonObject(raw []byte, what string) (map[string]json.RawMessage, *DecodeError) {
	if len(raw) == 0 {
		return nil, nil
	}
	var m map[string]json.RawMessage
	err := json.Unmarshal(raw, &m)
	if err == nil {
		return m, nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return nil, &DecodeError{Reason: "invalid JSON at byte " + strconv.FormatInt(se.Offset, 10) + ": " + se.Error()}
	}
	i := dbzSpace(raw)
	if i < len(raw) && raw[i] == '{' {
		return nil, &DecodeError{Reason: what + ": invalid JSON object"}
	}
	return nil, &DecodeError{Reason: what + ": want an object, got " + dbzKind(raw)}
}

// dbzKind names the kind of a valid JSON value, for reasons.
func dbzKind(raw []byte) string {
	i := dbzSpace(raw)
	if i >= len(raw) {
		return "nothing"
	}
	switch c := raw[i]; {
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	}
	return "number"
}

func isJSONNull(raw []byte) bool { return string(bytes.TrimSpace(raw)) == "null" }

// dbzSpace returns the offset of the first byte of raw that is not JSON
// white space.
func dbzSpace(raw []byte) int {
	i := 0
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

func dbzDigit(c byte) bool { return c-'0' < 10 }

// dbzFloat converts a valid JSON number to the nearest float64; one too
// large for a float64 is an infinity.
func dbzFloat(raw []byte) float64 {
	f, _ := strconv.ParseFloat(string(raw), 64)
	return f
}

// dbzReasonMax is how many bytes of a value a reason shows.
const dbzReasonMax = 64

// dbzQuote returns s quoted for a reason, shortened if long.
func dbzQuote(s []byte) string {
	if len(s) > dbzReasonMax {
		return strconv.Quote(string(s[:dbzReasonMax])) + "..."
	}
	return strconv.Quote(string(s))
}

// dbzText returns JSON text for a reason, shortened if long.
func dbzText(b []byte) string {
	if len(b) > dbzReasonMax {
		return string(b[:dbzReasonMax]) + "..."
	}
	return string(b)
}
