package schemas

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Seoul without the system's zone files
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

const (
	tickLine = `{"instrument_id":"005930","event_time":"2026-01-15T09:00:01.250Z","seq":17,"price":71200,"volume":15}`
	refLine  = `{"instrument_id":"1000","event_time":"2026-01-15","base_price":17000}`
	corrLine = `{"instrument_id":"1000","event_time":1768467601250,"op":"correct","kr_short_name":"홍길동사","par_value":null}`
)

func numAttr(name string, v float64) Attr {
	return Attr{Name: name, Value: Value{Kind: KindNumber, Num: v}}
}
func strAttr(name, v string) Attr { return Attr{Name: name, Value: Value{Kind: KindString, Str: v}} }
func nullAttr(name string) Attr   { return Attr{Name: name} }

// micros returns the time in microseconds since the epoch.
func micros(t time.Time) int64 { return t.UnixMicro() }

func utc(y int, mo time.Month, d, h, mi, s, ns int) int64 {
	return micros(time.Date(y, mo, d, h, mi, s, ns, time.UTC))
}

func seoul(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// decodeTests are records that decode, with the events they decode to.
var decodeTests = []struct {
	name string
	seou bool // decode with WithDateZone(Asia/Seoul)
	in   string
	want Event
}{
	{
		name: "tick",
		in:   tickLine,
		want: Event{InstrumentID: "005930", EventTime: utc(2026, 1, 15, 9, 0, 1, 250e6),
			Seq: 17, HasSeq: true, Attrs: []Attr{numAttr("price", 71200), numAttr("volume", 15)}},
	},
	{
		name: "reference",
		in:   refLine,
		want: Event{InstrumentID: "1000", EventTime: utc(2026, 1, 15, 0, 0, 0, 0),
			Attrs: []Attr{numAttr("base_price", 17000)}},
	},
	{
		name: "correction",
		in:   corrLine,
		want: Event{InstrumentID: "1000", EventTime: 1768467601250000, Op: OpCorrect,
			Attrs: []Attr{strAttr("kr_short_name", "홍길동사"), nullAttr("par_value")}},
	},
	{
		name: "date in Seoul",
		seou: true,
		in:   refLine,
		want: Event{InstrumentID: "1000", EventTime: utc(2026, 1, 14, 15, 0, 0, 0),
			Attrs: []Attr{numAttr("base_price", 17000)}},
	},
	{
		name: "RFC 3339 with a zone is not moved by the date zone",
		seou: true,
		in:   `{"instrument_id":"a","event_time":"2026-01-15T09:00:01Z"}`,
		want: Event{InstrumentID: "a", EventTime: utc(2026, 1, 15, 9, 0, 1, 0)},
	},
	{
		name: "offset +09:00",
		in:   `{"instrument_id":"a","event_time":"2026-01-15T09:00:01+09:00"}`,
		want: Event{InstrumentID: "a", EventTime: utc(2026, 1, 15, 0, 0, 1, 0)},
	},
	{
		name: "offset -05:30 across midnight",
		in:   `{"instrument_id":"a","event_time":"2026-12-31T20:00:00-05:30"}`,
		want: Event{InstrumentID: "a", EventTime: utc(2027, 1, 1, 1, 30, 0, 0)},
	},
	{
		name: "nanoseconds truncated to micros",
		in:   `{"instrument_id":"a","event_time":"2026-01-15T09:00:01.123456789Z"}`,
		want: Event{InstrumentID: "a", EventTime: utc(2026, 1, 15, 9, 0, 1, 123456000)},
	},
	{
		name: "one fraction digit",
		in:   `{"instrument_id":"a","event_time":"2026-01-15T09:00:01.5Z"}`,
		want: Event{InstrumentID: "a", EventTime: utc(2026, 1, 15, 9, 0, 1, 500e6)},
	},
	{
		name: "before the epoch, truncated down",
		in:   `{"instrument_id":"a","event_time":"1969-12-31T23:59:59.9999999Z"}`,
		want: Event{InstrumentID: "a", EventTime: -1},
	},
	{
		name: "leap day",
		in:   `{"instrument_id":"a","event_time":"2024-02-29"}`,
		want: Event{InstrumentID: "a", EventTime: utc(2024, 2, 29, 0, 0, 0, 0)},
	},
	{
		name: "year 2000 leap day",
		in:   `{"instrument_id":"a","event_time":"2000-02-29T23:59:59Z"}`,
		want: Event{InstrumentID: "a", EventTime: utc(2000, 2, 29, 23, 59, 59, 0)},
	},
	{
		name: "epoch millis zero and negative",
		in:   `{"instrument_id":"a","event_time":-1500}`,
		want: Event{InstrumentID: "a", EventTime: -1500000},
	},
	{
		name: "op delete and negative seq",
		in:   `{"instrument_id":"a","event_time":0,"op":"delete","seq":-9223372036854775808}`,
		want: Event{InstrumentID: "a", Op: OpDelete, Seq: math.MinInt64, HasSeq: true},
	},
	{
		name: "long integers",
		in: `{"instrument_id":"a","event_time":-9223372036854775,"seq":9223372036854775807,` +
			`"n18":999999999999999999,"n19":-1234567890123456789,"n53":-9007199254740993}`,
		want: Event{InstrumentID: "a", EventTime: -9223372036854775000, Seq: math.MaxInt64, HasSeq: true,
			Attrs: []Attr{numAttr("n18", 999999999999999999), numAttr("n19", -1234567890123456789),
				numAttr("n53", -9007199254740992)}},
	},
	{
		name: "op upsert",
		in:   `{"op":"upsert","instrument_id":"a","event_time":0}`,
		want: Event{InstrumentID: "a"},
	},
	{
		name: "numbers",
		in: `{"instrument_id":"a","event_time":0,"neg":-71200.5,"exp":1.5e3,"EXP":2E-2,"zero":0,` +
			`"negzero":-0,"frac":0.1,"long":12345678901234567890,"huge":1e400,"tiny":-1e-400,"max":9007199254740993}`,
		want: Event{InstrumentID: "a", Attrs: []Attr{numAttr("neg", -71200.5), numAttr("exp", 1500),
			numAttr("EXP", 0.02), numAttr("zero", 0), numAttr("negzero", math.Copysign(0, -1)), numAttr("frac", 0.1),
			numAttr("long", 12345678901234567890), numAttr("huge", math.Inf(1)), numAttr("tiny", math.Copysign(0, -1)),
			numAttr("max", 9007199254740992)}},
	},
	{
		name: "escaped keys and values",
		in: `{"instrument\u005fid":"a\"b","event_time":"2026-01-15","\u0070rice":1,` +
			`"s":"\\\/\b\f\n\r\t\u00e9\ud55c\ud83d\ude00","op":"\u0063orrect"}`,
		want: Event{InstrumentID: `a"b`, EventTime: utc(2026, 1, 15, 0, 0, 0, 0), Op: OpCorrect,
			Attrs: []Attr{numAttr("price", 1), strAttr("s", "\\/\b\f\n\r\té한😀")}},
	},
	{
		name: "lone surrogates become U+FFFD",
		in:   `{"instrument_id":"a","event_time":0,"s":"\ud800x\udc00\ud800\u0041"}`,
		want: Event{InstrumentID: "a", Attrs: []Attr{strAttr("s", "\uFFFDx\uFFFD\uFFFDA")}},
	},
	{
		name: "unicode and invalid UTF-8 pass through",
		in:   "{\"instrument_id\":\"종목\",\"event_time\":0,\"이름\":\"삼성\xff\"}",
		want: Event{InstrumentID: "종목", Attrs: []Attr{strAttr("이름", "삼성\xff")}},
	},
	{
		name: "long string value",
		in:   `{"instrument_id":"a","event_time":0,"name":"` + strings.Repeat("x", 40) + `"}`,
		want: Event{InstrumentID: "a", Attrs: []Attr{strAttr("name", strings.Repeat("x", 40))}},
	},
	{
		name: "heartbeat",
		in:   `{"event_time":"2026-01-15T09:00:00Z","op":"heartbeat","seq":7}`,
		want: Event{EventTime: utc(2026, 1, 15, 9, 0, 0, 0), Op: OpHeartbeat, Seq: 7, HasSeq: true},
	},
	{
		name: "empty attribute name",
		in:   `{"instrument_id":"a","event_time":0,"":1}`,
		want: Event{InstrumentID: "a", Attrs: []Attr{numAttr("", 1)}},
	},
}

func TestDecode(t *testing.T) {
	for _, tt := range decodeTests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []DecoderOpt
			if tt.seou {
				opts = append(opts, WithDateZone(seoul(t)))
			}
			d := NewDecoder(opts...)
			ev := Event{Partition: 3, Offset: 99, Attrs: []Attr{numAttr("stale", 1)}}
			if err := d.Decode([]byte(tt.in), &ev); err != nil {
				t.Fatalf("Decode(%s): %v", tt.in, err)
			}
			want := tt.want
			want.Partition, want.Offset = 3, 99
			checkEvent(t, &ev, &want)
		})
	}
}

func TestDecodeWhitespace(t *testing.T) {
	in := " \t\r\n{ \"instrument_id\" :\n\"a\" ,\t\"event_time\"\r: 0 , \"x\" : null , \"y\" :\"\" ," +
		" \"z\" : -1.5e+2 \n}\r\n\t "
	var ev Event
	if err := NewDecoder().Decode([]byte(in), &ev); err != nil {
		t.Fatal(err)
	}
	checkEvent(t, &ev, &Event{InstrumentID: "a", Attrs: []Attr{nullAttr("x"), strAttr("y", ""), numAttr("z", -150)}})
}

func checkEvent(t *testing.T, got, want *Event) {
	t.Helper()
	if got.InstrumentID != want.InstrumentID || got.EventTime != want.EventTime ||
		got.Seq != want.Seq || got.HasSeq != want.HasSeq || got.Op != want.Op ||
		got.Partition != want.Partition || got.Offset != want.Offset {
		t.Errorf("got  %+v\nwant %+v", *got, *want)
	}
	if len(got.Attrs) != len(want.Attrs) {
		t.Fatalf("attrs: got %+v, want %+v", got.Attrs, want.Attrs)
	}
	for i, g := range got.Attrs {
		w := want.Attrs[i]
		if g.Name != w.Name || g.Value.Kind != w.Value.Kind || g.Value.Str != w.Value.Str ||
			math.Float64bits(g.Value.Num) != math.Float64bits(w.Value.Num) {
			t.Errorf("attr %d: got %+v, want %+v", i, g, w)
		}
	}
}

// decodeErrorTests are records that do not decode, with the reasons.
var decodeErrorTests = []struct{ in, reason string }{
	{`{"instrument_id" "x"}`, `invalid JSON at byte 17: expected ':' after object key`},
	{`{"event_time":0}`, `missing required field "instrument_id"`},
	{`{"op":"heartbeat"}`, `missing required field "event_time"`},
	{`{"op":"heartbeat","event_time":0,"instrument_id":"a"}`, `a heartbeat ("op": "heartbeat") has no "instrument_id"`},
	{`{"event_time":0,"op":"heartbeat","price":1}`, `a heartbeat ("op": "heartbeat") has no attributes, got "price"`},
	{`{"instrument_id":"a"}`, `missing required field "event_time"`},
	{`{}`, `missing required field "instrument_id"`},
	{`{"instrument_id":5,"event_time":0}`, `field "instrument_id": want a non-empty string, got number`},
	{`{"instrument_id":"","event_time":0}`, `field "instrument_id": want a non-empty string, got an empty string`},
	{`{"instrument_id":null,"event_time":0}`, `field "instrument_id": want a non-empty string, got null`},
	{`{"instrument_id":"a","event_time":0,"price":{"a":[1,2]}}`, `field "price": want a number, a string or null, got object`},
	{`{"instrument_id":"a","event_time":0,"price":[]}`, `field "price": want a number, a string or null, got array`},
	{`{"instrument_id":"a","event_time":0,"flag":true}`, `field "flag": want a number, a string or null, got boolean`},
	{`{"instrument_id":"a","event_time":0,"flag":false}`, `field "flag": want a number, a string or null, got boolean`},
	{" \t\r\n{ \"instrument_id\" :\n\"a\" ,\t\"event_time\"\r: 0 , \"z\" : [ 1 , { } ] \n}\r\n\t ",
		`field "z": want a number, a string or null, got array`},
	{`{"instrument_id":"a","event_time":"2026-13-01"}`,
		`field "event_time": cannot parse "2026-13-01" as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":"2025-02-29"}`,
		`field "event_time": cannot parse "2025-02-29" as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":"2100-02-29"}`,
		`field "event_time": cannot parse "2100-02-29" as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":"2026-04-31"}`,
		`field "event_time": cannot parse "2026-04-31" as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":"2026-01-15T24:00:00Z"}`,
		`field "event_time": cannot parse "2026-01-15T24:00:00Z" as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":"2026-01-15T23:60:00Z"}`,
		`field "event_time": cannot parse "2026-01-15T23:60:00Z" as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":"2026-01-15T23:59:60Z"}`,
		`field "event_time": cannot parse "2026-01-15T23:59:60Z" as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":"2026-01-15T09:00:00"}`,
		`field "event_time": cannot parse "2026-01-15T09:00:00" as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":"2026-01-15T09:00:00.Z"}`,
		`field "event_time": cannot parse "2026-01-15T09:00:00.Z" as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":"2026-01-15T09:00:00+24:00"}`,
		`field "event_time": cannot parse "2026-01-15T09:00:00+24:00" as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":"2026-01-15 09:00:00Z"}`,
		`field "event_time": cannot parse "2026-01-15 09:00:00Z" as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":"2026-1-15"}`,
		`field "event_time": cannot parse "2026-1-15" as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":1.5}`,
		`field "event_time": cannot parse 1.5 as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":9223372036854776}`,
		`field "event_time": cannot parse 9223372036854776 as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":true}`, `field "event_time": want a string or an integer, got boolean`},
	{`{"instrument_id":"a","event_time":0,"op":"merge"}`, `field "op": want "upsert", "correct", "delete" or "heartbeat", got "merge"`},
	{`{"instrument_id":"a","event_time":0,"op":1}`, `field "op": want "upsert", "correct", "delete" or "heartbeat", got number`},
	{`{"instrument_id":"a","event_time":0,"seq":"1"}`, `field "seq": want an integer, got string`},
	{`{"instrument_id":"a","event_time":0,"seq":1.0}`, `field "seq": want a 64-bit integer, got 1.0`},
	{`{"instrument_id":"a","event_time":0,"seq":9223372036854775808}`, `field "seq": want a 64-bit integer, got 9223372036854775808`},
	{`{"instrument_id":"a","event_time":0,"price":1,"price":2}`, `duplicate field "price"`},
	{`{"instrument_id":"a","event_time":0,"price":1,"pr\u0069ce":2}`, `duplicate field "price"`},
	{`{"instrument_id":"a","event_time":0,"event_time":0}`, `duplicate field "event_time"`},
	{`{"instrument_id":"a","event_time":0,"price":true,"price":1}`, `field "price": want a number, a string or null, got boolean`},
	{`{"instrument_id":"a","event_time":"bad","price":true}`,
		`field "event_time": cannot parse "bad" as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`},
	{`{"instrument_id":"a","event_time":0,"a\nb":true}`, `field "a\nb": want a number, a string or null, got boolean`},
	{`{"instrument_id":"a","event_time":0,"` + strings.Repeat("k", 70) + `":true}`,
		`field "` + strings.Repeat("k", 64) + `"...: want a number, a string or null, got boolean`},
	// Not JSON objects.
	{``, `invalid JSON at byte 0: unexpected end of input`},
	{"  \n", `invalid JSON at byte 3: unexpected end of input`},
	{`[1,{"a":2}]`, `want a JSON object, got array`},
	{`"x"`, `want a JSON object, got string`},
	{` 12 `, `want a JSON object, got number`},
	{`null`, `want a JSON object, got null`},
	{`[1,}`, `invalid JSON at byte 3: expected a value`},
	// Invalid JSON, reported as such even after a wrong value.
	{`{"instrument_id":"a","event_time":0,"flag":true,}`, `invalid JSON at byte 48: expected object key`},
	{`{"instrument_id":"a","event_time":0} x`, `invalid JSON at byte 37: unexpected content after object`},
	{`{"instrument_id":"a","event_time":0}{}`, `invalid JSON at byte 36: unexpected content after object`},
	{`{"instrument_id":"a","event_time":0`, `invalid JSON at byte 35: unexpected end of input`},
	{`{"instrument_id":"a","event_time":0,`, `invalid JSON at byte 36: unexpected end of input`},
	{`{"instrument_id":"a","event_time":`, `invalid JSON at byte 34: unexpected end of input`},
	{`{"instrument_id":"a","event_time"`, `invalid JSON at byte 33: unexpected end of input`},
	{`{"instrument_id":"a`, `invalid JSON at byte 17: unterminated string`},
	{`{"instrument_id":"a\`, `invalid JSON at byte 17: unterminated string`},
	{`{`, `invalid JSON at byte 1: unexpected end of input`},
	{`{,}`, `invalid JSON at byte 1: expected object key or '}'`},
	{`{instrument_id:1}`, `invalid JSON at byte 1: expected object key or '}'`},
	{`{'a':1}`, `invalid JSON at byte 1: expected object key or '}'`},
	{`{"a":1 "b":2}`, `invalid JSON at byte 7: expected ',' or '}' after object value`},
	{`{"a":01}`, `invalid JSON at byte 5: invalid number: leading zero`},
	{`{"a":-01}`, `invalid JSON at byte 6: invalid number: leading zero`},
	{`{"a":+1}`, `invalid JSON at byte 5: expected a value`},
	{`{"a":.5}`, `invalid JSON at byte 5: expected a value`},
	{`{"a":1.}`, `invalid JSON at byte 7: invalid number: expected a digit after '.'`},
	{`{"a":1e}`, `invalid JSON at byte 7: invalid number: expected a digit in the exponent`},
	{`{"a":1e+}`, `invalid JSON at byte 8: invalid number: expected a digit in the exponent`},
	{`{"a":-}`, `invalid JSON at byte 6: invalid number: expected a digit`},
	{`{"a":NaN}`, `invalid JSON at byte 5: expected a value`},
	{`{"a":Infinity}`, `invalid JSON at byte 5: expected a value`},
	{`{"a":-Infinity}`, `invalid JSON at byte 6: invalid number: expected a digit`},
	{`{"a":tru}`, `invalid JSON at byte 5: invalid literal`},
	{`{"a":nul`, `invalid JSON at byte 5: invalid literal`},
	{`{"a":"x\qy"}`, `invalid JSON at byte 7: invalid escape in string`},
	{`{"a":"\u12"}`, `invalid JSON at byte 6: invalid \u escape in string`},
	{`{"a":"\u12G4"}`, `invalid JSON at byte 6: invalid \u escape in string`},
	{"{\"a\":\"x\ty\"}", `invalid JSON at byte 7: control character in string`},
	{"{\"a\x00\":1}", `invalid JSON at byte 3: control character in string`},
	{`{"a":[1,2}`, `invalid JSON at byte 9: expected ',' or ']' after array element`},
	{`{"a":{"b" 1}}`, `invalid JSON at byte 10: expected ':' after object key`},
	{`{"a":{"b":1,}}`, `invalid JSON at byte 12: expected object key`},
	{`{"a":{1:1}}`, `invalid JSON at byte 6: expected object key or '}'`},
	{`{"a":[[[[`, `invalid JSON at byte 9: unexpected end of input`},
	{"{\"a\":1}\x00", `invalid JSON at byte 7: unexpected content after object`},
	{"\v{}", `invalid JSON at byte 0: expected a value`},
	{"\ufeff{}", `invalid JSON at byte 0: expected a value`},
}

func TestDecodeErrors(t *testing.T) {
	d := NewDecoder()
	for _, tt := range decodeErrorTests {
		var ev Event
		err := d.Decode([]byte(tt.in), &ev)
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("Decode(%q) = %v, want a *DecodeError", tt.in, err)
			continue
		}
		if de.Reason != tt.reason {
			t.Errorf("Decode(%q):\n got reason %s\nwant reason %s", tt.in, de.Reason, tt.reason)
		}
		if err.Error() != "schemas: "+tt.reason {
			t.Errorf("Error() = %q", err.Error())
		}
	}
}

// TestDecodeCopies checks that the event does not alias the record, and that
// the attributes' array is reused.
func TestDecodeCopies(t *testing.T) {
	d := NewDecoder()
	raw := []byte(`{"instrument_id":"abc","event_time":0,"name":"xyz","long":"` + strings.Repeat("y", 40) + `"}`)
	var ev Event
	if err := d.Decode(raw, &ev); err != nil {
		t.Fatal(err)
	}
	first := &ev.Attrs[0]
	for i := range raw {
		raw[i] = 'Z'
	}
	want := Event{InstrumentID: "abc", Attrs: []Attr{strAttr("name", "xyz"), strAttr("long", strings.Repeat("y", 40))}}
	checkEvent(t, &ev, &want)
	if err := d.Decode([]byte(tickLine), &ev); err != nil {
		t.Fatal(err)
	}
	if &ev.Attrs[0] != first {
		t.Error("Decode did not reuse ev.Attrs")
	}
}

func TestDecodeInternLimit(t *testing.T) {
	d := NewDecoder(WithInternLimit(2))
	var ev Event
	for i := range 10 {
		raw := fmt.Sprintf(`{"instrument_id":"id%d","event_time":0,"a%d":"v%d"}`, i, i, i)
		if err := d.Decode([]byte(raw), &ev); err != nil {
			t.Fatal(err)
		}
		want := Event{InstrumentID: fmt.Sprint("id", i), Attrs: []Attr{strAttr(fmt.Sprint("a", i), fmt.Sprint("v", i))}}
		checkEvent(t, &ev, &want)
	}
	if n := d.Interner().Len(); n != 2 {
		t.Errorf("interned %d strings, want 2", n)
	}
}

func TestDecodeManyAttrs(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"instrument_id":"a","event_time":0`)
	for i := range 100 {
		fmt.Fprintf(&b, `,"a%d":%d`, i, i)
	}
	d := NewDecoder()
	var ev Event
	if err := d.Decode([]byte(b.String()+"}"), &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Attrs) != 100 || ev.Attrs[99] != numAttr("a99", 99) {
		t.Fatalf("got %d attrs, last %+v", len(ev.Attrs), ev.Attrs[len(ev.Attrs)-1])
	}
	for _, dup := range []int{0, 15, 16, 17, 98} {
		err := d.Decode([]byte(fmt.Sprintf(`%s,"a%d":1}`, b.String(), dup)), &ev)
		want := fmt.Sprintf(`schemas: duplicate field "a%d"`, dup)
		if err == nil || err.Error() != want {
			t.Errorf("dup a%d: got %v, want %s", dup, err, want)
		}
	}
}

func TestDecodeAllocs(t *testing.T) {
	loc := seoul(t)
	for _, tt := range []struct {
		line string
		opts []DecoderOpt
	}{
		{tickLine, nil},
		{refLine, nil},
		{refLine, []DecoderOpt{WithDateZone(loc)}},
		{corrLine, nil},
		{`{"instrument_id":"a","event_time":0,"esc\"key":"esc\nvalue","x":1.5e300,"n":123456789012345678}`, nil},
	} {
		d := NewDecoder(tt.opts...)
		var ev Event
		raw := []byte(tt.line)
		if err := d.Decode(raw, &ev); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { d.Decode(raw, &ev) }); n != 0 {
			t.Errorf("Decode(%s): %v allocs, want 0", tt.line, n)
		}
	}
}

// TestParseRFC3339Micros compares the hand-written parsers with package time
// on random times.
func TestParseRFC3339Micros(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var cache dayCache
	loc := seoul(t)
	utcDec, seoulDec := NewDecoder(), NewDecoder(WithDateZone(loc))
	for range 100000 {
		sec := r.Int64N(253402300800) - 62135596800 // years 0001 to 9999
		tm := time.Unix(sec, r.Int64N(1e9)).UTC()
		off := r.IntN(24*60) - 12*60
		zone := time.FixedZone("", off*60)
		layout := []string{time.RFC3339, time.RFC3339Nano, "2006-01-02T15:04:05.000Z07:00"}[r.IntN(3)]
		s := tm.In(zone).Format(layout)
		want, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := parseRFC3339Micros([]byte(s), &cache)
		if !ok || got != want.UnixMicro() {
			t.Fatalf("parseRFC3339Micros(%s) = %d, %v; want %d", s, got, ok, want.UnixMicro())
		}
		date := tm.Format(time.DateOnly)
		d, ok := utcDec.date([]byte(date))
		if want, _ := time.Parse(time.DateOnly, date); !ok || d != want.UnixMicro() {
			t.Fatalf("date(%s) = %d, %v; want %d", date, d, ok, want.UnixMicro())
		}
		d, ok = seoulDec.date([]byte(date))
		if want, _ := time.ParseInLocation(time.DateOnly, date, loc); !ok || d != want.UnixMicro() {
			t.Fatalf("date(%s) in Seoul = %d, %v; want %d", date, d, ok, want.UnixMicro())
		}
	}
}

func ExampleDecoder_Decode() {
	d := NewDecoder()
	var ev Event
	lines := []string{
		`{"instrument_id":"005930","event_time":"2026-01-15T09:00:01.250Z","seq":17,"price":71200,"volume":15}`,
		`{"instrument_id":"1000","event_time":1768467601250,"op":"correct","kr_short_name":"홍길동사","par_value":null}`,
		`{"instrument_id":"1000","event_time":"2026-01-15","price":true}`,
	}
	for _, line := range lines {
		if err := d.Decode([]byte(line), &ev); err != nil {
			var de *DecodeError
			errors.As(err, &de)
			fmt.Println("dead letter:", de.Reason)
			continue
		}
		fmt.Println(ev.InstrumentID, time.UnixMicro(ev.EventTime).UTC().Format(time.RFC3339Nano), ev.Op, ev.Seq)
		for _, a := range ev.Attrs {
			fmt.Printf("  %s = %+v\n", a.Name, a.Value)
		}
	}
	// Output:
	// 005930 2026-01-15T09:00:01.25Z upsert 17
	//   price = {Kind:1 Num:71200 Str:}
	//   volume = {Kind:1 Num:15 Str:}
	// 1000 2026-01-15T09:00:01.25Z correct 0
	//   kr_short_name = {Kind:2 Num:0 Str:홍길동사}
	//   par_value = {Kind:0 Num:0 Str:}
	// dead letter: field "price": want a number, a string or null, got boolean
}

// FuzzDecode decodes each input with goccy/go-json too, and checks that
// Decode agrees with it on what is JSON and, when it is, with the rules of
// the contract as written out in oracleDecode on top of the oracle's values.
// Decode must never panic.
func FuzzDecode(f *testing.F) {
	seeds := []string{tickLine, refLine, corrLine,
		`{"instrument_id":"a","event_time":"2026-01-15T09:00:01.123456789+09:00","x":-1.5e-3}`,
		`{"instrument\u005fid":"a\"b","event_time":"2026-01-15","\u0070rice":1,"s":"\ud83d\ude00\ud800"}`,
		`{"instrument_id":"a","event_time":0,"z":[1,{"b":[]}],"y":{"c":{}}}`,
		`{"instrument_id":"a","event_time":0,"op":"delete","seq":-5,"n":null}`,
		`{"instrument_id":"a","event_time":0,"price":1,"price":2}`,
	}
	for _, tt := range decodeTests {
		seeds = append(seeds, tt.in)
	}
	for _, tt := range decodeErrorTests {
		seeds = append(seeds, tt.in)
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	d := NewDecoder()
	var ev Event
	f.Fuzz(func(t *testing.T, raw []byte) {
		differential(t, d, &ev, raw)
	})
}

// FuzzRecordDecode is FuzzDecode on records that are JSON objects built from
// fuzzed ids, times, keys and values, to explore what Decode accepts.
func FuzzRecordDecode(f *testing.F) {
	f.Add("005930", "2026-01-15T09:00:01.250Z", int64(17), "price", "71200", "name", "홍길동사", "")
	f.Add("1000", "2026-01-15", int64(-1), "x<y", "-1.5e-3", "a\"b", "\u0001\t", " \t")
	f.Add("1000", "1768467601250", int64(0), "op", "0", "op", "correct", "\n")
	d := NewDecoder()
	var ev Event
	f.Fuzz(func(t *testing.T, id, when string, seq int64, k1, num, k2, s, space string) {
		ws := func() string { // JSON white space made from space
			var b strings.Builder
			for i := 0; i < len(space) && i < 3; i++ {
				b.WriteByte(" \t\r\n"[space[i]%4])
			}
			return b.String()
		}
		q := func(s string) string {
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			return ws() + string(b) + ws()
		}
		t0 := q(when)
		if _, err := strconv.ParseInt(when, 10, 64); err == nil {
			t0 = when
		}
		raw := "{" + q("instrument_id") + ":" + q(id) + "," + q("event_time") + ":" + t0 + "," +
			q("seq") + ":" + strconv.FormatInt(seq, 10) + "," + q(k1) + ":" + ws() + num + "," +
			q(k2) + ":" + q(s) + "}" + ws()
		differential(t, d, &ev, []byte(raw))
	})
}

// differential decodes raw with d and with the oracle, and checks they agree.
func differential(t *testing.T, d *Decoder, ev *Event, raw []byte) {
	err := d.Decode(raw, ev)
	var de *DecodeError
	if err != nil && !errors.As(err, &de) {
		t.Fatalf("error %v is not a *DecodeError", err)
	}
	want, reason := oracleDecode(t, raw)
	gotSyntax := err != nil && strings.HasPrefix(de.Reason, "invalid JSON")
	if (reason == errNotJSON) != gotSyntax {
		t.Fatalf("Decode(%q) = %v; oracle says %q", raw, err, reason)
	}
	if reason == errNotJSON || !utf8.Valid(raw) {
		return // goccy replaces invalid UTF-8, which Decode passes through
	}
	if reason != "" {
		if err == nil || de.Reason != reason {
			t.Fatalf("Decode(%q) = %v; want reason %s", raw, err, reason)
		}
		return
	}
	if err != nil {
		t.Fatalf("Decode(%q) = %v; want %+v", raw, err, want)
	}
	checkEvent(t, ev, want)
}

const errNotJSON = "not JSON"

var rfc3339Strict = regexp.MustCompile(`^\d{4}-\d\d-\d\dT(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-](\d\d):(\d\d))$`)

// oracleDecode decodes raw with goccy/go-json and returns the event the
// contract asks for, or the reason it gives for rejecting raw, or errNotJSON.
func oracleDecode(t *testing.T, raw []byte) (*Event, string) {
	if !json.Valid(raw) {
		return nil, errNotJSON
	}
	switch c := bytes.TrimLeft(raw, " \t\r\n")[0]; c {
	case '{':
	case '[':
		return nil, "want a JSON object, got array"
	case '"':
		return nil, "want a JSON object, got string"
	case 't', 'f':
		return nil, "want a JSON object, got boolean"
	case 'n':
		return nil, "want a JSON object, got null"
	default:
		return nil, "want a JSON object, got number"
	}
	members := oracleMembers(t, raw)
	ev := &Event{}
	seen := map[string]bool{}
	for _, m := range members {
		if r := oracleField(ev, seen, m.key, m.val); r != "" {
			return nil, r
		}
	}
	switch {
	case ev.Op == OpHeartbeat && seen["instrument_id"]:
		return nil, `a heartbeat ("op": "heartbeat") has no "instrument_id"`
	case ev.Op == OpHeartbeat && len(ev.Attrs) > 0:
		return nil, `a heartbeat ("op": "heartbeat") has no attributes, got ` + strconv.Quote(ev.Attrs[0].Name)
	case ev.Op == OpHeartbeat && !seen["event_time"]:
		return nil, `missing required field "event_time"`
	case ev.Op == OpHeartbeat:
		return ev, ""
	case !seen["instrument_id"]:
		return nil, `missing required field "instrument_id"`
	case !seen["event_time"]:
		return nil, `missing required field "event_time"`
	}
	return ev, ""
}

type oracleMember struct {
	key string
	val any // string, json.Number, bool, nil, or oracleNested
}

type oracleNested string // "object" or "array"

// oracleMembers returns the members of the object in raw, in order, with the
// go-json token stream.
func oracleMembers(t *testing.T, raw []byte) []oracleMember {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	next := func() json.Token {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("oracle token stream of %q: %v", raw, err)
		}
		return tok
	}
	if tok := next(); tok != json.Delim('{') {
		t.Fatalf("oracle: %q starts with %v", raw, tok)
	}
	var ms []oracleMember
	for {
		tok := next()
		if tok == json.Delim('}') {
			break
		}
		key, ok := tok.(string)
		if !ok {
			t.Fatalf("oracle: key %v in %q", tok, raw)
		}
		val := next()
		switch val {
		case json.Delim('{'), json.Delim('['):
			kind := oracleNested("object")
			if val == json.Delim('[') {
				kind = "array"
			}
			for depth := 1; depth > 0; {
				switch next() {
				case json.Delim('{'), json.Delim('['):
					depth++
				case json.Delim('}'), json.Delim(']'):
					depth--
				}
			}
			val = kind
		}
		ms = append(ms, oracleMember{key, val})
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("oracle: content after the object in %q: %v", raw, err)
	}
	return ms
}

func oracleKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case oracleNested:
		return string(v)
	}
	panic(fmt.Sprintf("oracle value %T", v))
}

func oracleField(ev *Event, seen map[string]bool, key string, v any) string {
	switch key {
	case "instrument_id", "event_time", "seq", "op":
		if seen[key] {
			return "duplicate field " + strconv.Quote(key)
		}
		seen[key] = true
	}
	s, isStr := v.(string)
	n, isNum := v.(json.Number)
	switch key {
	case "instrument_id":
		if !isStr || s == "" {
			got := oracleKind(v)
			if isStr {
				got = "an empty string"
			}
			return `field "instrument_id": want a non-empty string, got ` + got
		}
		ev.InstrumentID = s
	case "event_time":
		if !isStr && !isNum {
			return `field "event_time": want a string or an integer, got ` + oracleKind(v)
		}
		t, ok := oracleTime(s, string(n), isStr)
		if !ok {
			shown := reasonNumber([]byte(n))
			if isStr {
				shown = reasonQuote([]byte(s))
			}
			return `field "event_time": cannot parse ` + shown +
				` as an RFC 3339 time, a date (YYYY-MM-DD) or epoch milliseconds`
		}
		ev.EventTime = t
	case "seq":
		if !isNum {
			return `field "seq": want an integer, got ` + oracleKind(v)
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return `field "seq": want a 64-bit integer, got ` + reasonNumber([]byte(n))
		}
		ev.Seq, ev.HasSeq = i, true
	case "op":
		ops := map[string]Op{"upsert": OpUpsert, "correct": OpCorrect, "delete": OpDelete, "heartbeat": OpHeartbeat}
		op, ok := ops[s]
		if !isStr || !ok {
			got := oracleKind(v)
			if isStr {
				got = reasonQuote([]byte(s))
			}
			return `field "op": want "upsert", "correct", "delete" or "heartbeat", got ` + got
		}
		ev.Op = op
	default:
		a := Attr{Name: key}
		switch {
		case isNum:
			f, err := strconv.ParseFloat(string(n), 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				panic(err)
			}
			a.Value = Value{Kind: KindNumber, Num: f}
		case isStr:
			a.Value = Value{Kind: KindString, Str: s}
		case v != nil:
			return "field " + reasonQuote([]byte(key)) + ": want a number, a string or null, got " + oracleKind(v)
		}
		if slicesContainsName(ev.Attrs, key) {
			return "duplicate field " + reasonQuote([]byte(key))
		}
		ev.Attrs = append(ev.Attrs, a)
	}
	return ""
}

func slicesContainsName(attrs []Attr, name string) bool {
	for _, a := range attrs {
		if a.Name == name {
			return true
		}
	}
	return false
}

// oracleTime converts an event time with package time.
func oracleTime(s, n string, isStr bool) (int64, bool) {
	if !isStr {
		if strings.ContainsAny(n, ".eE") {
			return 0, false
		}
		ms, err := strconv.ParseInt(n, 10, 64)
		if err != nil || ms > math.MaxInt64/1000 || ms < -(math.MaxInt64/1000) {
			return 0, false
		}
		return ms * 1000, true
	}
	if len(s) == len(time.DateOnly) {
		t, err := time.Parse(time.DateOnly, s)
		return t.UnixMicro(), err == nil
	}
	m := rfc3339Strict.FindStringSubmatch(s)
	if m == nil || (m[6] != "" && (m[6] > "23" || m[7] > "59")) {
		return 0, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UnixMicro(), err == nil
}

// Benchmarks.

func BenchmarkDecodeTick(b *testing.B) {
	const ids = 10000
	lines := make([][]byte, ids)
	d := NewDecoder()
	for i := range lines {
		id := fmt.Sprintf("%06d", i)
		d.Interner().String(id)
		lines[i] = []byte(strings.Replace(tickLine, "005930", id, 1))
	}
	var ev Event
	b.ReportAllocs()
	b.SetBytes(int64(len(tickLine)))
	i := 0
	for b.Loop() {
		if err := d.Decode(lines[i], &ev); err != nil {
			b.Fatal(err)
		}
		if i++; i == ids {
			i = 0
		}
	}
}

func BenchmarkDecodeReference(b *testing.B) {
	d := NewDecoder()
	raw := []byte(refLine)
	var ev Event
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if err := d.Decode(raw, &ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeGoccy is the same tick line decoded by goccy/go-json into a
// struct, for comparison.
func BenchmarkDecodeGoccy(b *testing.B) {
	raw := []byte(tickLine)
	var v struct {
		InstrumentID string  `json:"instrument_id"`
		EventTime    string  `json:"event_time"`
		Seq          int64   `json:"seq"`
		Price        float64 `json:"price"`
		Volume       float64 `json:"volume"`
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if err := json.Unmarshal(raw, &v); err != nil {
			b.Fatal(err)
		}
	}
}
