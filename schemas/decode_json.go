package schemas

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeError is why an input record could not be decoded. Reason is short,
// deterministic text meant for the dead_letters table, such as
// `missing required field "event_time"` or
// `invalid JSON at byte 17: expected ':' after object key`, where the byte is
// the zero-based offset into the record. A DecodeError is not changed once
// returned, so it is safe for concurrent use.
type DecodeError struct {
	Reason string
}

// Error returns "schemas: " followed by the reason.
func (e *DecodeError) Error() string { return "schemas: " + e.Reason }

// DecoderOpt configures a Decoder. DecoderOpts are immutable, and safe for
// concurrent use.
type DecoderOpt interface{ apply(*decoderCfg) }

type decoderCfg struct {
	dateZone    *time.Location
	internLimit int
}

type decoderOpt func(*decoderCfg)

func (o decoderOpt) apply(c *decoderCfg) { o(c) }

// WithDateZone sets the zone in which a date-only event time (YYYY-MM-DD)
// means midnight. The default, and the meaning of nil, is UTC.
func WithDateZone(loc *time.Location) DecoderOpt {
	return decoderOpt(func(c *decoderCfg) { c.dateZone = loc })
}

// WithInternLimit sets how many distinct strings (instrument ids, attribute
// names, short string values) the decoder interns; beyond it, new strings are
// allocated on each use, never refused. The default is DefaultInternLimit; n
// of zero or less also means the default.
func WithInternLimit(n int) DecoderOpt {
	return decoderOpt(func(c *decoderCfg) { c.internLimit = n })
}

// Decoder decodes JSON input events. It interns instrument ids and attribute
// names so that the hot path does not allocate. A Decoder is not safe for
// concurrent use; use one per goroutine.
type Decoder struct {
	zone  *time.Location // nil for UTC
	in    Interner
	hints []keyHint // the keys of the last record, by position

	keyBuf  []byte // unescaped key
	valBuf  []byte // unescaped string value
	skipBuf []byte // unescaped key within a nested value
	stack   []byte // closing bytes of the containers open while skipping
	seen    map[string]struct{}

	lastDate   [10]byte // the last date-only time decoded in a non-UTC zone
	lastMicros int64
	days       dayCache // the date of the last RFC 3339 time

	err *DecodeError // first problem, other than syntax, of the record
}

// maxInternedValue is the length of the longest attribute string value that
// is interned.
const maxInternedValue = 32

// NewDecoder returns a Decoder with the given options.
func NewDecoder(opts ...DecoderOpt) *Decoder {
	var cfg decoderCfg
	for _, o := range opts {
		o.apply(&cfg)
	}
	d := &Decoder{}
	if cfg.dateZone != nil && cfg.dateZone != time.UTC {
		d.zone = cfg.dateZone
	}
	d.in.SetLimit(cfg.internLimit)
	return d
}

// Interner returns the decoder's interner, so that callers can intern known
// instrument ids and attribute names up front.
func (d *Decoder) Interner() *Interner { return &d.in }

// The fields that are not attributes, as bits of a set.
const (
	fieldInstrument = 1 << iota
	fieldEventTime
	fieldSeq
	fieldOp
)

// Decode decodes raw into ev, reusing ev.Attrs' backing array (ev.Attrs =
// ev.Attrs[:0] first). It does not set ev.Partition or ev.Offset. raw is not
// retained: all strings in ev are copies or interned. On error, which is a
// *DecodeError, the contents of ev are unspecified.
//
// A record that is not valid JSON is reported as such even when an earlier
// field has a wrong value; otherwise the first problem in input order is
// reported, and missing fields last.
func (d *Decoder) Decode(raw []byte, ev *Event) error {
	ev.InstrumentID, ev.Sym = "", 0
	ev.EventTime = 0
	ev.Seq, ev.HasSeq = 0, false
	ev.Op = OpUpsert
	ev.Attrs = ev.Attrs[:0]
	d.err = nil

	i := jsonSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return d.notObject(raw, i) // never nil
	}
	i, seen, err := d.object(raw, i+1, ev)
	if err != nil {
		return err
	}
	if i = jsonSpace(raw, i); i < len(raw) {
		return jsonSyntaxError(i, "unexpected content after object")
	}
	switch {
	case d.err != nil:
		return d.err
	case ev.Op == OpHeartbeat:
		return heartbeatError(seen, ev)
	case seen&fieldInstrument == 0:
		return &DecodeError{Reason: `missing required field "instrument_id"`}
	case seen&fieldEventTime == 0:
		return &DecodeError{Reason: `missing required field "event_time"`}
	}
	return nil
}

// heartbeatError checks a heartbeat: an event_time and nothing else but op
// (and seq, which it ignores).
func heartbeatError(seen uint8, ev *Event) error {
	switch {
	case seen&fieldInstrument != 0:
		return &DecodeError{Reason: `a heartbeat ("op": "heartbeat") has no "instrument_id"`}
	case len(ev.Attrs) > 0:
		return &DecodeError{Reason: `a heartbeat ("op": "heartbeat") has no attributes, got ` + strconv.Quote(ev.Attrs[0].Name)}
	case seen&fieldEventTime == 0:
		return &DecodeError{Reason: `missing required field "event_time"`}
	}
	return nil
}

// object decodes the members of the object whose '{' is just before raw[i],
// and returns the offset after its '}' and the set of non-attribute fields
// seen.
func (d *Decoder) object(raw []byte, i int, ev *Event) (int, uint8, *DecodeError) {
	var seen uint8
	attrs := ev.Attrs
	if i = jsonSpace(raw, i); i < len(raw) && raw[i] == '}' {
		return i + 1, seen, nil
	}
	for n := 0; ; n++ {
		if i >= len(raw) {
			return i, seen, jsonEOF(raw)
		}
		if raw[i] != '"' {
			if n == 0 {
				return i, seen, jsonSyntaxError(i, "expected object key or '}'")
			}
			return i, seen, jsonSyntaxError(i, "expected object key")
		}
		h, j := d.hint(raw, i+1, n)
		if j < 0 {
			var err *DecodeError
			if h, j, err = d.key(raw, i+1, n); err != nil {
				return j, seen, err
			}
		}
		if i = jsonSpace(raw, j); i >= len(raw) {
			return i, seen, jsonEOF(raw)
		}
		if raw[i] != ':' {
			return i, seen, jsonSyntaxError(i, "expected ':' after object key")
		}
		if i = jsonSpace(raw, i+1); i >= len(raw) {
			return i, seen, jsonEOF(raw)
		}
		tok, j, err := d.value(raw, i)
		if err != nil {
			return j, seen, err
		}
		if d.err == nil {
			if h.bit != 0 {
				d.field(h, tok, ev, &seen)
			} else {
				attrs = d.attr(h.key, tok, attrs)
			}
		}
		if i = jsonSpace(raw, j); i >= len(raw) {
			return i, seen, jsonEOF(raw)
		}
		switch raw[i] {
		case ',':
			i = jsonSpace(raw, i+1)
		case '}':
			ev.Attrs = attrs
			return i + 1, seen, nil
		default:
			return i, seen, jsonSyntaxError(i, "expected ',' or '}' after object value")
		}
	}
}

// keyHint is a key of an object: the attribute name, interned, with a bit
// of 0, or the key of the non-attribute field whose bit it has. A Decoder
// remembers the keyHints of the last record, by position, of keys that had
// no escapes. A keyHint is not safe for concurrent use.
type keyHint struct {
	key string
	bit uint8
}

// maxHints is the number of leading keys of a record a Decoder remembers.
const maxHints = 64

// fieldKeys holds the keys of the non-attribute fields by bit number.
var fieldKeys = [...]string{"instrument_id", "event_time", "seq", "op"}

// hint returns the key of member n of the object, whose opening quote is
// just before raw[i], and the offset after its closing quote, when it is the
// key at the same position in the last record, as it mostly is in the
// records of a stream; else it returns an offset of -1.
func (d *Decoder) hint(raw []byte, i, n int) (keyHint, int) {
	if n < len(d.hints) {
		h := d.hints[n]
		if end := i + len(h.key); end < len(raw) && raw[end] == '"' && string(raw[i:end]) == h.key {
			return h, end + 1
		}
	}
	return keyHint{}, -1
}

// key scans the key of member n of the object, whose opening quote is just
// before raw[i], and returns it and the offset after its closing quote.
func (d *Decoder) key(raw []byte, i, n int) (keyHint, int, *DecodeError) {
	key, j, err := jsonString(raw, i, &d.keyBuf)
	if err != nil {
		return keyHint{}, j, err
	}
	h := keyHint{bit: fieldBit(key)}
	if h.bit == 0 {
		h.key = d.in.Bytes(key)
	} else {
		h.key = fieldKeys[bits.TrailingZeros8(h.bit)]
	}
	if j-i-1 == len(key) { // no escapes
		if n < len(d.hints) {
			d.hints[n] = h
		} else if n == len(d.hints) && n < maxHints {
			d.hints = append(d.hints, h)
		}
	}
	return h, j, nil
}

// notObject reports a record whose first non-space byte, raw[i], is not '{'.
func (d *Decoder) notObject(raw []byte, i int) *DecodeError {
	if i >= len(raw) {
		return jsonEOF(raw)
	}
	tok, j, err := d.value(raw, i)
	if err != nil {
		return err
	}
	if j = jsonSpace(raw, j); j < len(raw) {
		return jsonSyntaxError(j, "unexpected content after value")
	}
	return &DecodeError{Reason: "want a JSON object, got " + tok.kind.String()}
}

// fieldBit returns the bit of the non-attribute field key, or 0.
func fieldBit(key []byte) uint8 {
	switch string(key) {
	case "instrument_id":
		return fieldInstrument
	case "event_time":
		return fieldEventTime
	case "seq":
		return fieldSeq
	case "op":
		return fieldOp
	}
	return 0
}

// field applies the non-attribute field h to ev, or records in d.err why it
// cannot.
func (d *Decoder) field(h keyHint, tok jsonToken, ev *Event, seen *uint8) {
	if *seen&h.bit != 0 {
		d.fail("duplicate field " + strconv.Quote(h.key))
		return
	}
	*seen |= h.bit
	switch h.bit {
	case fieldInstrument:
		d.instrument(tok, ev)
	case fieldEventTime:
		d.eventTime(tok, ev)
	case fieldSeq:
		d.seq(tok, ev)
	case fieldOp:
		d.op(tok, ev)
	}
}

func (d *Decoder) instrument(tok jsonToken, ev *Event) {
	switch {
	case tok.kind != jsString:
		d.fail(`field "instrument_id": want a non-empty string, got ` + tok.kind.String())
	case len(tok.b) == 0:
		d.fail(`field "instrument_id": want a non-empty string, got an empty string`)
	default:
		ev.InstrumentID, ev.Sym = d.in.Symbol(tok.b)
	}
}

func (d *Decoder) eventTime(tok jsonToken, ev *Event) {
	var t int64
	var ok bool
	switch tok.kind {
	case jsString:
		if len(tok.b) == len("2006-01-02") {
			t, ok = d.date(tok.b)
		} else {
			t, ok = parseRFC3339Micros(tok.b, &d.days)
		}
	case jsNumber:
		t, ok = epochMillisMicros(tok.b)
	default:
		d.fail(`field "event_time": want a string or an integer, got ` + tok.kind.String())
		return
	}
	if !ok {
		v := reasonNumber(tok.b)
		if tok.kind == jsString {
			v = reasonQuote(tok.b)
		}
		d.fail(`field "event_time": cannot parse ` + v +
			` as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`)
		return
	}
	ev.EventTime = t
}

func (d *Decoder) seq(tok jsonToken, ev *Event) {
	if tok.kind != jsNumber {
		d.fail(`field "seq": want an integer, got ` + tok.kind.String())
		return
	}
	n, ok := jsonInt64(tok.b)
	if !ok {
		d.fail(`field "seq": want a 64-bit integer, got ` + reasonNumber(tok.b))
		return
	}
	ev.Seq, ev.HasSeq = n, true
}

func (d *Decoder) op(tok jsonToken, ev *Event) {
	got := tok.kind.String()
	if tok.kind == jsString {
		switch string(tok.b) {
		case "upsert":
			ev.Op = OpUpsert
			return
		case "correct":
			ev.Op = OpCorrect
			return
		case "delete":
			ev.Op = OpDelete
			return
		case "heartbeat":
			ev.Op = OpHeartbeat
			return
		}
		got = reasonQuote(tok.b)
	}
	d.fail(`field "op": want "upsert", "correct", "delete" or "heartbeat", got ` + got)
}

// attr appends the attribute called name to attrs, or records in d.err why it
// cannot.
func (d *Decoder) attr(name string, tok jsonToken, attrs []Attr) []Attr {
	var v Value
	switch tok.kind {
	case jsNumber:
		v = Value{Kind: KindNumber, Num: jsonFloat64(tok.b)}
	case jsString:
		v.Kind = KindString
		if len(tok.b) <= maxInternedValue {
			v.Str = d.in.Bytes(tok.b)
		} else {
			v.Str = string(tok.b)
		}
	case jsNull:
	default:
		d.fail("field " + reasonQuote([]byte(name)) + ": want a number, a string or null, got " + tok.kind.String())
		return attrs
	}
	if d.duplicate(name, attrs) {
		d.fail("duplicate field " + reasonQuote([]byte(name)))
		return attrs
	}
	return append(attrs, Attr{Name: name, Value: v})
}

// duplicate reports whether attrs has an attribute called name. It compares
// names one by one for short records, and keeps a set of them for long ones.
func (d *Decoder) duplicate(name string, attrs []Attr) bool {
	const linear = 16
	if len(attrs) < linear {
		for i := range attrs {
			if attrs[i].Name == name {
				return true
			}
		}
		return false
	}
	if len(attrs) == linear {
		if d.seen == nil {
			d.seen = make(map[string]struct{})
		}
		clear(d.seen)
		for i := range attrs {
			d.seen[attrs[i].Name] = struct{}{}
		}
	}
	if _, ok := d.seen[name]; ok {
		return true
	}
	d.seen[name] = struct{}{}
	return false
}

// fail records reason as the record's problem, unless it already has one.
func (d *Decoder) fail(reason string) {
	if d.err == nil {
		d.err = &DecodeError{Reason: reason}
	}
}

// date returns midnight of the date s (YYYY-MM-DD) in the decoder's date
// zone, in microseconds since the epoch.
func (d *Decoder) date(s []byte) (int64, bool) {
	y, m, day, ok := parseDateBytes(s)
	if !ok {
		return 0, false
	}
	if d.zone == nil {
		return daysFromCivil(y, m, day) * microsPerDay, true
	}
	if string(s) == string(d.lastDate[:]) {
		return d.lastMicros, true
	}
	t := time.Date(y, time.Month(m), day, 0, 0, 0, 0, d.zone).UnixMicro()
	copy(d.lastDate[:], s)
	d.lastMicros = t
	return t, true
}

// The JSON scanner. Its functions take the record and an offset into it, and
// return the offset after what they scanned.

// jsonKind is the type of a JSON value. It is safe for concurrent use.
type jsonKind uint8

const (
	jsString jsonKind = iota
	jsNumber
	jsNull
	jsBool
	jsObject
	jsArray
)

var jsonKindNames = [...]string{"string", "number", "null", "boolean", "object", "array"}

// String returns the kind's name as reasons say it.
func (k jsonKind) String() string { return jsonKindNames[k] }

// jsonToken is one scanned value: its kind, and for a string its unescaped
// contents or for a number its text. The bytes alias the record or a buffer
// of the decoder, and are valid until the next value is scanned. It is not
// safe for concurrent use.
//
// Keep it small: adding a field (an integer value for numbers) made the tick
// benchmark about a third slower, though it ran no more instructions.
type jsonToken struct {
	kind jsonKind
	b    []byte
}

// value scans the value that starts at raw[i], which is not a space.
func (d *Decoder) value(raw []byte, i int) (jsonToken, int, *DecodeError) {
	switch c := raw[i]; {
	case c == '"':
		b, j, err := jsonString(raw, i+1, &d.valBuf)
		return jsonToken{kind: jsString, b: b}, j, err
	case c == '-' || isDigitByte(c):
		j, err := jsonNumber(raw, i)
		return jsonToken{kind: jsNumber, b: raw[i:j]}, j, err
	case c == '{':
		j, err := d.skip(raw, i)
		return jsonToken{kind: jsObject}, j, err
	case c == '[':
		j, err := d.skip(raw, i)
		return jsonToken{kind: jsArray}, j, err
	}
	j, k, err := jsonLiteral(raw, i)
	return jsonToken{kind: k}, j, err
}

// skip scans the object or array at raw[i] and returns the offset after it.
// It checks the syntax of all it holds, with no limit on depth.
func (d *Decoder) skip(raw []byte, i int) (int, *DecodeError) {
	stack := d.stack[:0]
	defer func() { d.stack = stack[:0] }()
	for {
		// A value starts at raw[i], maybe after spaces.
		var err *DecodeError
		if i = jsonSpace(raw, i); i >= len(raw) {
			return i, jsonEOF(raw)
		}
		switch c := raw[i]; c {
		case '{', '[':
			end := byte('}')
			if c == '[' {
				end = ']'
			}
			if i = jsonSpace(raw, i+1); i < len(raw) && raw[i] == end {
				i++
				break
			}
			stack = append(stack, end)
			if c == '{' {
				if i, err = d.member(raw, i, "expected object key or '}'"); err != nil {
					return i, err
				}
			}
			continue
		default:
			if _, i, err = d.value(raw, i); err != nil {
				return i, err
			}
		}
		// A value ends just before raw[i].
		if i, err = d.close(raw, i, &stack); err != nil || len(stack) == 0 {
			return i, err
		}
	}
}

// close scans, from raw[i] on, the ends of the containers on *stack that end
// there, and the comma (and key) before the next value of the innermost one
// that does not.
func (d *Decoder) close(raw []byte, i int, stack *[]byte) (int, *DecodeError) {
	for len(*stack) > 0 {
		if i = jsonSpace(raw, i); i >= len(raw) {
			return i, jsonEOF(raw)
		}
		end := (*stack)[len(*stack)-1]
		switch {
		case raw[i] == end:
			*stack = (*stack)[:len(*stack)-1]
			i++
		case raw[i] != ',' && end == '}':
			return i, jsonSyntaxError(i, "expected ',' or '}' after object value")
		case raw[i] != ',':
			return i, jsonSyntaxError(i, "expected ',' or ']' after array element")
		case end == '}':
			return d.member(raw, i+1, "expected object key")
		default:
			return i + 1, nil
		}
	}
	return i, nil
}

// member scans the key and colon of an object member from raw[i] on, which
// may start with spaces. want says what a byte other than a quote is not.
func (d *Decoder) member(raw []byte, i int, want string) (int, *DecodeError) {
	if i = jsonSpace(raw, i); i >= len(raw) {
		return i, jsonEOF(raw)
	}
	if raw[i] != '"' {
		return i, jsonSyntaxError(i, want)
	}
	_, i, err := jsonString(raw, i+1, &d.skipBuf)
	if err != nil {
		return i, err
	}
	if i = jsonSpace(raw, i); i >= len(raw) {
		return i, jsonEOF(raw)
	}
	if raw[i] != ':' {
		return i, jsonSyntaxError(i, "expected ':' after object key")
	}
	return i + 1, nil
}

// jsonString scans the string whose opening quote is just before raw[i] and
// returns its contents: a slice of raw when it has no escapes, else the
// unescaped contents in *buf's array, which is kept for reuse.
func jsonString(raw []byte, i int, buf *[]byte) ([]byte, int, *DecodeError) {
	start := i
	if i = jsonPlainEnd(raw, i); i < len(raw) && raw[i] == '"' {
		return raw[start:i], i + 1, nil
	}
	b, j, err := jsonUnescape(raw, start, i, (*buf)[:0])
	*buf = b[:0]
	return b, j, err
}

// jsonPlainEnd returns the offset of the first byte from raw[i] on that does
// not stand for itself in a string. It looks at eight bytes at a time.
func jsonPlainEnd(raw []byte, i int) int {
	for ; i+8 <= len(raw); i += 8 {
		if m := specialBytes(binary.LittleEndian.Uint64(raw[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(raw) && jsonPlain[raw[i]] {
		i++
	}
	return i
}

// specialBytes returns a mask with the high bit of each of the eight bytes
// of w (little endian) set that is a quote, a backslash or a control
// character. Bits above the lowest may be set wrongly: borrows carry upwards.
func specialBytes(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := w ^ (ones * '"')
	b := w ^ (ones * '\\')
	return ((w - ones*0x20) | (q - ones) | (b - ones)) &^ w & highs
}

// jsonPlain tells which bytes stand for themselves in a JSON string.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// jsonUnescape appends to buf the contents of the string that starts at
// raw[start], unescaped. raw[start:i] is plain.
func jsonUnescape(raw []byte, start, i int, buf []byte) ([]byte, int, *DecodeError) {
	buf = append(buf, raw[start:i]...)
	for i < len(raw) {
		c := raw[i]
		switch {
		case c == '"':
			return buf, i + 1, nil
		case c < 0x20:
			return buf, i, jsonSyntaxError(i, "control character in string")
		case c != '\\':
			j := jsonPlainEnd(raw, i+1)
			buf = append(buf, raw[i:j]...)
			i = j
			continue
		case i+1 >= len(raw):
			return buf, i, jsonSyntaxError(start-1, "unterminated string")
		}
		switch e := raw[i+1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, n, err := jsonUnicode(raw, i)
			if err != nil {
				return buf, i, err
			}
			buf = utf8.AppendRune(buf, r)
			i += n
			continue
		default:
			return buf, i, jsonSyntaxError(i, "invalid escape in string")
		}
		i += 2
	}
	return buf, i, jsonSyntaxError(start-1, "unterminated string")
}

// jsonUnicode decodes the \uXXXX escape at raw[i], joined with the next one
// when the two are a surrogate pair, and returns the rune and the number of
// bytes used. A lone surrogate is U+FFFD.
func jsonUnicode(raw []byte, i int) (rune, int, *DecodeError) {
	r, ok := jsonHex4(raw, i+2)
	if !ok {
		return 0, 0, jsonSyntaxError(i, `invalid \u escape in string`)
	}
	if !utf16.IsSurrogate(r) {
		return r, 6, nil
	}
	if i+7 < len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
		if r2, ok := jsonHex4(raw, i+8); ok {
			if p := utf16.DecodeRune(r, r2); p != utf8.RuneError {
				return p, 12, nil
			}
		}
	}
	return utf8.RuneError, 6, nil
}

// jsonHex4 decodes the four hex digits at raw[i:].
func jsonHex4(raw []byte, i int) (rune, bool) {
	if i+4 > len(raw) {
		return 0, false
	}
	var r rune
	for _, c := range raw[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// jsonNumber scans the number that starts at raw[i] with '-' or a digit.
func jsonNumber(raw []byte, i int) (int, *DecodeError) {
	if raw[i] == '-' {
		i++
	}
	switch {
	case i >= len(raw) || !isDigitByte(raw[i]):
		return i, jsonSyntaxError(i, "invalid number: expected a digit")
	case raw[i] == '0':
		if i++; i < len(raw) && isDigitByte(raw[i]) {
			return i, jsonSyntaxError(i-1, "invalid number: leading zero")
		}
	default:
		i = jsonDigits(raw, i+1)
	}
	if i < len(raw) && raw[i] == '.' {
		if i++; i >= len(raw) || !isDigitByte(raw[i]) {
			return i, jsonSyntaxError(i, "invalid number: expected a digit after '.'")
		}
		i = jsonDigits(raw, i+1)
	}
	if i < len(raw) && (raw[i] == 'e' || raw[i] == 'E') {
		if i++; i < len(raw) && (raw[i] == '+' || raw[i] == '-') {
			i++
		}
		if i >= len(raw) || !isDigitByte(raw[i]) {
			return i, jsonSyntaxError(i, "invalid number: expected a digit in the exponent")
		}
		i = jsonDigits(raw, i+1)
	}
	return i, nil
}

func jsonDigits(raw []byte, i int) int {
	for i < len(raw) && isDigitByte(raw[i]) {
		i++
	}
	return i
}

func isDigitByte(c byte) bool { return c-'0' < 10 }

// jsonLiteral scans true, false or null at raw[i].
func jsonLiteral(raw []byte, i int) (int, jsonKind, *DecodeError) {
	var lit string
	k := jsBool
	switch raw[i] {
	case 't':
		lit = "true"
	case 'f':
		lit = "false"
	case 'n':
		lit, k = "null", jsNull
	default:
		return i, 0, jsonSyntaxError(i, "expected a value")
	}
	if len(raw)-i < len(lit) || string(raw[i:i+len(lit)]) != lit {
		return i, 0, jsonSyntaxError(i, "invalid literal")
	}
	return i + len(lit), k, nil
}

// jsonSpace returns the offset of the first byte from raw[i] on that is not
// JSON white space.
func jsonSpace(raw []byte, i int) int {
	for i < len(raw) && raw[i] <= ' ' {
		switch raw[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func jsonSyntaxError(i int, msg string) *DecodeError {
	return &DecodeError{Reason: "invalid JSON at byte " + strconv.Itoa(i) + ": " + msg}
}

func jsonEOF(raw []byte) *DecodeError {
	return jsonSyntaxError(len(raw), "unexpected end of input")
}

// reasonMax is how many bytes of a key or value a reason shows.
const reasonMax = 64

// reasonQuote returns b quoted for a reason, shortened if long.
func reasonQuote(b []byte) string {
	if len(b) > reasonMax {
		return strconv.Quote(string(b[:reasonMax])) + "..."
	}
	return strconv.Quote(string(b))
}

// reasonNumber returns the number text b for a reason, shortened if long.
func reasonNumber(b []byte) string {
	if len(b) > reasonMax {
		return string(b[:reasonMax]) + "..."
	}
	return string(b)
}

// jsonInt64 parses a JSON number that must be an integer within int64.
func jsonInt64(b []byte) (int64, bool) {
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if !isDigitByte(c) {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > 1<<63-1 {
		return 0, false
	}
	return int64(n), true
}

// jsonPow10 holds the powers of ten that float64s represent exactly.
var jsonPow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// jsonFloat64 converts a valid JSON number to the nearest float64; one too
// large for a float64 is an infinity. Decimals of up to 15 digits without an
// exponent are converted without strconv: their digits and the power of ten
// that divides them are exact float64s, and one division rounds correctly.
func jsonFloat64(b []byte) float64 {
	s := b
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var m uint64
	n, frac := 0, -1
	for _, c := range s {
		switch {
		case isDigitByte(c):
			m = m*10 + uint64(c-'0')
			n++
		case c == '.':
			frac = n
		default:
			n = len(jsonPow10)
		}
	}
	if n >= len(jsonPow10) {
		f, _ := strconv.ParseFloat(string(b), 64)
		return f
	}
	f := float64(m)
	if frac >= 0 {
		f /= jsonPow10[n-frac]
	}
	if neg {
		f = -f
	}
	return f
}

// Times.

const microsPerDay = 86400 * 1000000

// maxEpochMillis is the largest number of epoch milliseconds whose
// microseconds fit an int64.
const maxEpochMillis = (1<<63 - 1) / 1000

// epochMillisMicros converts a JSON number of epoch milliseconds, which must
// be an integer, to microseconds.
func epochMillisMicros(b []byte) (int64, bool) {
	ms, ok := jsonInt64(b)
	if !ok || ms < -maxEpochMillis || ms > maxEpochMillis {
		return 0, false
	}
	return ms * 1000, true
}

// parseDateBytes parses YYYY-MM-DD.
func parseDateBytes(s []byte) (y, m, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y1, ok1 := twoDigits(s[0], s[1])
	y2, ok2 := twoDigits(s[2], s[3])
	m, ok3 := twoDigits(s[5], s[6])
	d, ok4 := twoDigits(s[8], s[9])
	y = y1*100 + y2
	if !(ok1 && ok2 && ok3 && ok4) || m < 1 || m > 12 || d < 1 || d > monthDays(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// parseRFC3339Micros parses an RFC 3339 time such as 2026-01-15T09:00:01.250Z
// or 2026-01-15T18:00:01+09:00 to microseconds since the epoch. Digits of the
// fraction beyond microseconds are dropped.
func parseRFC3339Micros(s []byte, c *dayCache) (int64, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	days, ok := c.days(s[:10])
	hh, ok1 := twoDigits(s[11], s[12])
	mm, ok2 := twoDigits(s[14], s[15])
	ss, ok3 := twoDigits(s[17], s[18])
	if !(ok && ok1 && ok2 && ok3) || hh > 23 || mm > 59 || ss > 59 {
		return 0, false
	}
	us, s, ok := parseFraction(s[19:])
	if !ok {
		return 0, false
	}
	off, ok := parseZoneOffset(s)
	if !ok {
		return 0, false
	}
	secs := days*86400 + int64(hh*3600+mm*60+ss) - off
	return secs*1000000 + us, true
}

// dayCache remembers the last date parsed, as times of one stream mostly
// fall on one day. It is not safe for concurrent use.
type dayCache struct {
	date [10]byte
	n    int64 // days since the epoch
	ok   bool  // date holds a date
}

// days returns the days since the epoch of the date s (YYYY-MM-DD).
func (c *dayCache) days(s []byte) (int64, bool) {
	if c.ok && string(s) == string(c.date[:]) {
		return c.n, true
	}
	y, m, d, ok := parseDateBytes(s)
	if !ok {
		return 0, false
	}
	copy(c.date[:], s)
	c.n, c.ok = daysFromCivil(y, m, d), true
	return c.n, true
}

// parseFraction parses the fraction of a second, if s starts with one, to
// microseconds, dropping further digits. It returns the rest of s.
func parseFraction(s []byte) (int64, []byte, bool) {
	if s[0] != '.' {
		return 0, s, true
	}
	var us int64
	n := 1
	for ; n < len(s) && isDigitByte(s[n]); n++ {
		if n <= 6 {
			us = us*10 + int64(s[n]-'0')
		}
	}
	if n == 1 {
		return 0, s, false
	}
	for k := n; k <= 6; k++ {
		us *= 10
	}
	return us, s[n:], true
}

// parseZoneOffset parses Z or ±HH:MM to seconds east of UTC.
func parseZoneOffset(s []byte) (int64, bool) {
	if len(s) == 1 && s[0] == 'Z' {
		return 0, true
	}
	if len(s) != len("+09:00") || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return 0, false
	}
	hh, ok1 := twoDigits(s[1], s[2])
	mm, ok2 := twoDigits(s[4], s[5])
	if !ok1 || !ok2 || hh > 23 || mm > 59 {
		return 0, false
	}
	off := int64(hh*3600 + mm*60)
	if s[0] == '-' {
		off = -off
	}
	return off, true
}

// twoDigits parses two decimal digits.
func twoDigits(a, b byte) (int, bool) {
	return int(a-'0')*10 + int(b-'0'), isDigitByte(a) && isDigitByte(b)
}

// monthDays returns the number of days in month m of year y.
func monthDays(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the number of days from 1970-01-01 to the given date
// of the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	doy := (153*((m+9)%12)+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097 + doe - 719468)
}
