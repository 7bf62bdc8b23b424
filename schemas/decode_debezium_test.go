package schemas

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The specs of the tests: an instruments table whose effective time is
// changed_at, with some columns renamed; and the defaults (every column,
// envelope ts_ms as the effective time).
var (
	dbzConfigured = DebeziumSpec{
		TimeColumn: "changed_at",
		Columns: map[string]string{
			"short_name": "kr_short_name", "market": "market", "base_price": "base_price",
			"tick_size": "tick_size", "halted": "halted",
		},
	}
	dbzIdentity = DebeziumSpec{}
)

func dbzNum(name string, v float64) Attr {
	return Attr{Name: name, Value: Value{Kind: KindNumber, Num: v}}
}
func dbzStr(name, v string) Attr { return Attr{Name: name, Value: Value{Kind: KindString, Str: v}} }
func dbzMs(ms int64) int64       { return ms * 1000 }

func dbzTime(t *testing.T, s string) int64 {
	t.Helper()
	layout := time.RFC3339Nano
	if len(s) == len(time.DateOnly) {
		layout = time.DateOnly
	}
	tm, err := time.Parse(layout, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UnixMicro()
}

// dbzFile reads testdata/debezium/NAME.json and its key NAME.key.json, if any.
func dbzFile(t testing.TB, name string) (key, value []byte) {
	t.Helper()
	dir := filepath.Join("..", "testdata", "debezium")
	value, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	key, err = os.ReadFile(filepath.Join(dir, name+".key.json"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return key, value
}

func newDbz(t testing.TB, s DebeziumSpec) *DebeziumDecoder {
	t.Helper()
	d, err := NewDebeziumDecoder(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDebeziumDecodeFiles(t *testing.T) {
	tests := []struct {
		file   string
		spec   DebeziumSpec
		noKey  bool
		want   Event
		skip   bool
		reason string
	}{
		{
			file: "create.schema", spec: dbzConfigured,
			want: Event{InstrumentID: "1000", EventTime: dbzTime(t, "2026-01-15T00:00:00Z"),
				RecordedAt: dbzMs(1768466400123), HasRecordedAt: true,
				Attrs: []Attr{dbzNum("base_price", 17000), dbzStr("halted", "false"), dbzStr("kr_short_name", "삼성전자"),
					dbzStr("market", "KOSPI"), dbzNum("tick_size", 10)}},
		},
		{
			file: "create.schema", spec: dbzIdentity,
			want: Event{InstrumentID: "1000", EventTime: dbzMs(1768466400456),
				RecordedAt: dbzMs(1768466400123), HasRecordedAt: true,
				Attrs: []Attr{dbzNum("base_price", 17000), dbzStr("changed_at", "2026-01-15T00:00:00Z"), dbzStr("halted", "false"),
					dbzStr("market", "KOSPI"), dbzStr("short_name", "삼성전자"), dbzNum("tick_size", 10), dbzStr("updated_by", "loader")}},
		},
		{
			file: "snapshot", spec: dbzConfigured,
			want: Event{InstrumentID: "1001", EventTime: dbzTime(t, "2026-01-14T00:00:00Z"),
				RecordedAt: dbzMs(1768465800000), HasRecordedAt: true,
				Attrs: []Attr{dbzNum("base_price", 131500), dbzStr("halted", "false"), dbzStr("kr_short_name", "SK하이닉스"),
					dbzStr("market", "KOSPI"), dbzNum("tick_size", 100)}},
		},
		{
			file: "update", spec: dbzConfigured,
			want: Event{InstrumentID: "1000", EventTime: dbzTime(t, "2026-01-15T09:30:00Z"),
				RecordedAt: dbzMs(1768469402001), HasRecordedAt: true,
				Attrs: []Attr{dbzNum("base_price", 17500)}},
		},
		{
			// With every column configured, the change of updated_by counts;
			// the time column is never an attribute.
			file: "update_unconfigured", spec: DebeziumSpec{TimeColumn: "changed_at"},
			want: Event{InstrumentID: "1000", EventTime: dbzTime(t, "2026-01-15T09:45:00Z"),
				RecordedAt: dbzMs(1768470300500), HasRecordedAt: true,
				Attrs: []Attr{dbzStr("updated_by", "ops-lee")}},
		},
		{file: "update_unconfigured", spec: dbzConfigured, skip: true},
		{
			file: "update_no_before", spec: dbzConfigured,
			want: Event{InstrumentID: "1001", EventTime: dbzTime(t, "2026-01-15T10:00:00Z"),
				RecordedAt: dbzMs(1768471200250), HasRecordedAt: true,
				Attrs: []Attr{dbzNum("base_price", 131500), dbzStr("halted", "true"), dbzStr("kr_short_name", "SK하이닉스"),
					dbzStr("market", "KOSPI"), dbzNum("tick_size", 100)}},
		},
		{
			file: "update.schema", spec: dbzConfigured,
			want: Event{InstrumentID: "1000", EventTime: dbzTime(t, "2026-01-15T11:00:00Z"),
				RecordedAt: dbzMs(1768474800042), HasRecordedAt: true,
				Attrs: []Attr{dbzNum("tick_size", 5)}},
		},
		{
			// The row before a delete holds only the key; a delete takes
			// effect at ts_ms even when a time column is configured.
			file: "delete", spec: dbzConfigured,
			want: Event{InstrumentID: "1001", Op: OpDelete, EventTime: dbzMs(1768491600077),
				RecordedAt: dbzMs(1768491600000), HasRecordedAt: true},
		},
		{
			file: "delete_key_only.schema", spec: dbzConfigured,
			want: Event{InstrumentID: "1002", Op: OpDelete, EventTime: dbzMs(1768491660012),
				RecordedAt: dbzMs(1768491660000), HasRecordedAt: true},
		},
		{file: "delete_key_only.schema", spec: dbzConfigured, noKey: true, reason: `missing id column "instrument_id"`},
		{
			// Without a schema, decimals (base64) stay strings.
			file: "create_precise_noschema", spec: dbzConfigured,
			want: Event{InstrumentID: "1002", EventTime: dbzTime(t, "2026-01-15T00:00:00Z"),
				RecordedAt: dbzMs(1768466460000), HasRecordedAt: true,
				Attrs: []Attr{dbzStr("base_price", "AUgQYA=="), dbzStr("halted", "false"), dbzStr("kr_short_name", "NAVER"),
					dbzStr("market", "KOSPI"), dbzStr("tick_size", "AMNQ")}},
		},
		{
			file: "create_dates.schema", spec: DebeziumSpec{TimeColumn: "valid_from", Columns: map[string]string{"base_price": "base_price"}},
			want: Event{InstrumentID: "1003", EventTime: dbzTime(t, "2026-01-16"),
				RecordedAt: dbzMs(1768468531000), HasRecordedAt: true,
				Attrs: []Attr{dbzNum("base_price", -1.5)}},
		},
		{
			file: "create_dates.schema", spec: DebeziumSpec{TimeColumn: "updated_at"},
			want: Event{InstrumentID: "1003", EventTime: dbzTime(t, "2026-01-15T09:15:30.250123Z"),
				RecordedAt: dbzMs(1768468531000), HasRecordedAt: true,
				Attrs: []Attr{dbzNum("base_price", -1.5), dbzNum("valid_from", 20469)}},
		},
		{
			file: "create_dates", spec: DebeziumSpec{TimeColumn: "valid_from", TimeUnit: "days", Columns: map[string]string{"base_price": "base_price"}},
			want: Event{InstrumentID: "1003", EventTime: dbzTime(t, "2026-01-16"),
				RecordedAt: dbzMs(1768468531000), HasRecordedAt: true,
				Attrs: []Attr{dbzStr("base_price", "/2o=")}},
		},
		{
			file: "create_dates", spec: DebeziumSpec{TimeColumn: "updated_at", TimeUnit: "micros", Columns: map[string]string{"base_price": "price_floor"}},
			want: Event{InstrumentID: "1003", EventTime: dbzTime(t, "2026-01-15T09:15:30.250123Z"),
				RecordedAt: dbzMs(1768468531000), HasRecordedAt: true,
				Attrs: []Attr{dbzStr("price_floor", "/2o=")}},
		},
		{file: "tombstone", spec: dbzConfigured, skip: true},
	}
	for _, tt := range tests {
		name := tt.file
		if tt.spec.TimeColumn == "" && tt.spec.Columns == nil {
			name += "/identity"
		}
		t.Run(name, func(t *testing.T) {
			key, value := dbzFile(t, tt.file)
			if tt.noKey {
				key = nil
			}
			d := newDbz(t, tt.spec)
			ev := Event{Partition: 3, Offset: 99, Attrs: make([]Attr, 0, 16)}
			skip, err := d.Decode(key, value, &ev)
			if tt.reason != "" {
				var de *DecodeError
				if !errors.As(err, &de) || de.Reason != tt.reason {
					t.Fatalf("err = %v, want reason %q", err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if skip != tt.skip {
				t.Fatalf("skip = %v, want %v (event %+v)", skip, tt.skip, ev)
			}
			if skip {
				return
			}
			want := tt.want
			want.Partition, want.Offset = 3, 99
			if want.Attrs == nil {
				want.Attrs = []Attr{}
			}
			if !reflect.DeepEqual(ev, want) {
				t.Errorf("got  %+v\nwant %+v", ev, want)
			}
		})
	}
}

// TestDebeziumDecodeStream decodes the files in the order a topic would hold
// them with one decoder and one reused Event, as a lane does.
func TestDebeziumDecodeStream(t *testing.T) {
	d := newDbz(t, dbzConfigured)
	var ev Event
	var got []string
	for _, f := range []string{"create.schema", "update", "update_unconfigured", "update.schema", "snapshot", "update_no_before", "delete", "tombstone"} {
		key, value := dbzFile(t, f)
		skip, err := d.Decode(key, value, &ev)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if skip {
			got = append(got, f+": skip")
			continue
		}
		var names []string
		for _, a := range ev.Attrs {
			names = append(names, a.Name)
		}
		got = append(got, f+": "+ev.Op.String()+" "+ev.InstrumentID+" "+strings.Join(names, ","))
	}
	want := []string{
		"create.schema: upsert 1000 base_price,halted,kr_short_name,market,tick_size",
		"update: upsert 1000 base_price",
		"update_unconfigured: skip",
		"update.schema: upsert 1000 tick_size",
		"snapshot: upsert 1001 base_price,halted,kr_short_name,market,tick_size",
		"update_no_before: upsert 1001 base_price,halted,kr_short_name,market,tick_size",
		"delete: delete 1001 ",
		"tombstone: skip",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// dbzSchema wraps a payload in an envelope schema whose after row has the
// given fields (JSON objects of Kafka Connect field schemas).
func dbzSchema(payload string, fields ...string) string {
	row := `{"type":"struct","fields":[` + strings.Join(fields, ",") + `],"optional":true,"name":"t.Value","field":"%s"}`
	return `{"schema":{"type":"struct","fields":[` + strings.Replace(row, "%s", "before", 1) + "," +
		strings.Replace(row, "%s", "after", 1) + `,{"type":"string","optional":false,"field":"op"}],"name":"t.Envelope"},"payload":` + payload + `}`
}

const dbzDecimalField = `{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"%d"},"field":"%s"}`

func dbzDecimal(col string, scale string) string {
	return strings.Replace(strings.Replace(dbzDecimalField, "%d", scale, 1), "%s", col, 1)
}

func TestDebeziumDecodeInline(t *testing.T) {
	timeCol := DebeziumSpec{TimeColumn: "changed_at"}
	tests := []struct {
		name   string
		spec   DebeziumSpec
		key    string
		value  string
		want   Event // Attrs nil: none
		skip   bool
		reason string
	}{
		{name: "nil value", value: "", skip: true},
		{name: "blank value", value: " \n", skip: true},
		{name: "null value", value: "null", skip: true},
		{name: "null payload", value: `{"schema":null,"payload":null}`, skip: true},
		{name: "numeric id with exponent", value: `{"op":"c","after":{"instrument_id":1e3},"ts_ms":1}`,
			want: Event{InstrumentID: "1000", EventTime: 1000}},
		{name: "numeric id with fraction", value: `{"op":"c","after":{"instrument_id":1000.0},"ts_ms":1}`,
			want: Event{InstrumentID: "1000", EventTime: 1000}},
		{name: "big integer id as written", value: `{"op":"r","after":{"instrument_id":12345678901234567890},"ts_ms":1}`,
			want: Event{InstrumentID: "12345678901234567890", EventTime: 1000}},
		{name: "negative id", value: `{"op":"c","after":{"instrument_id":-7},"ts_ms":1}`,
			want: Event{InstrumentID: "-7", EventTime: 1000}},
		{name: "string id", value: `{"op":"c","after":{"instrument_id":"005930","price":null},"ts_ms":1}`,
			want: Event{InstrumentID: "005930", EventTime: 1000, Attrs: []Attr{{Name: "price"}}}},
		{name: "id from a plain key", key: `{"instrument_id":42}`, value: `{"op":"d","before":null,"after":null,"ts_ms":5}`,
			want: Event{InstrumentID: "42", Op: OpDelete, EventTime: 5000}},
		{name: "id of after when before lacks it", value: `{"op":"u","before":{"x":1},"after":{"instrument_id":"A","x":2},"ts_ms":5}`,
			want: Event{InstrumentID: "A", EventTime: 5000, Attrs: []Attr{dbzNum("x", 2)}}},
		{name: "custom id column", spec: DebeziumSpec{IDColumn: "isin"}, value: `{"op":"c","after":{"isin":"KR7005930003","instrument_id":9},"ts_ms":5}`,
			want: Event{InstrumentID: "KR7005930003", EventTime: 5000, Attrs: []Attr{dbzNum("instrument_id", 9)}}},
		{name: "update with no change at all", value: `{"op":"u","before":{"instrument_id":1,"x":1},"after":{"instrument_id":1,"x":1},"ts_ms":5}`, skip: true},
		{name: "update changing null to a value", value: `{"op":"u","before":{"instrument_id":1,"x":null},"after":{"instrument_id":1,"x":0},"ts_ms":5}`,
			want: Event{InstrumentID: "1", EventTime: 5000, Attrs: []Attr{dbzNum("x", 0)}}},
		{name: "update clearing a value", value: `{"op":"u","before":{"instrument_id":1,"x":"a"},"after":{"instrument_id":1,"x":null},"ts_ms":5}`,
			want: Event{InstrumentID: "1", EventTime: 5000, Attrs: []Attr{{Name: "x"}}}},
		{name: "unavailable toasted value", value: `{"op":"u","before":null,"after":{"instrument_id":1,"memo":"__debezium_unavailable_value","x":2},"ts_ms":5}`,
			want: Event{InstrumentID: "1", EventTime: 5000, Attrs: []Attr{dbzNum("x", 2)}}},
		{name: "recorded at missing", value: `{"op":"c","after":{"instrument_id":1},"source":{"connector":"mysql"},"ts_ms":5}`,
			want: Event{InstrumentID: "1", EventTime: 5000}},
		{name: "ts_ms falls back to source.ts_ms", value: `{"op":"c","after":{"instrument_id":1},"source":{"ts_ms":7}}`,
			want: Event{InstrumentID: "1", EventTime: 7000, RecordedAt: 7000, HasRecordedAt: true}},
		{name: "RFC 3339 time with offset", spec: timeCol, value: `{"op":"c","after":{"instrument_id":1,"changed_at":"2026-01-15T18:00:01.5+09:00"},"ts_ms":5}`,
			want: Event{InstrumentID: "1", EventTime: dbzTime(t, "2026-01-15T09:00:01.5Z")}},
		{name: "epoch millis time", spec: timeCol, value: `{"op":"c","after":{"instrument_id":1,"changed_at":1768467601250},"ts_ms":5}`,
			want: Event{InstrumentID: "1", EventTime: dbzTime(t, "2026-01-15T09:00:01.25Z")}},
		{name: "nanos time", spec: DebeziumSpec{TimeColumn: "changed_at", TimeUnit: "nanos"}, value: `{"op":"c","after":{"instrument_id":1,"changed_at":1768467601250000001},"ts_ms":5}`,
			want: Event{InstrumentID: "1", EventTime: dbzTime(t, "2026-01-15T09:00:01.25Z")}},
		{name: "decimal with schema", value: dbzSchema(`{"op":"c","after":{"instrument_id":1,"p":"GfCg","q":"/2o=","r":"","s":null},"ts_ms":5}`,
			dbzDecimal("p", "2"), dbzDecimal("q", "1"), dbzDecimal("r", "2"), dbzDecimal("s", "2")),
			want: Event{InstrumentID: "1", EventTime: 5000, Attrs: []Attr{dbzNum("p", 17000), dbzNum("q", -15), dbzNum("r", 0), {Name: "s"}}}},
		{name: "decimal with a negative scale", value: dbzSchema(`{"op":"c","after":{"instrument_id":1,"p":"Kg=="},"ts_ms":5}`, dbzDecimal("p", "-3")),
			want: Event{InstrumentID: "1", EventTime: 5000, Attrs: []Attr{dbzNum("p", 42000)}}},
		{name: "unchanged decimal", value: dbzSchema(`{"op":"u","before":{"instrument_id":1,"p":"GfCg"},"after":{"instrument_id":1,"p":"GfCg"},"ts_ms":5}`, dbzDecimal("p", "2")),
			skip: true},
		{name: "variable scale decimal", value: dbzSchema(`{"op":"c","after":{"instrument_id":1,"p":{"scale":3,"value":"MDk="}},"ts_ms":5}`,
			`{"type":"struct","optional":true,"name":"io.debezium.data.VariableScaleDecimal","field":"p"}`),
			want: Event{InstrumentID: "1", EventTime: 5000, Attrs: []Attr{dbzNum("p", 12.345)}}},
		{name: "decimal id", value: dbzSchema(`{"op":"c","after":{"instrument_id":"A+g="},"ts_ms":5}`, dbzDecimal("instrument_id", "0")),
			want: Event{InstrumentID: "1000", EventTime: 5000}},
		{name: "schema time types", spec: DebeziumSpec{TimeColumn: "t"},
			value: dbzSchema(`{"op":"c","after":{"instrument_id":1,"t":1768467601250},"ts_ms":5}`, `{"type":"int64","name":"io.debezium.time.Timestamp","field":"t"}`),
			want:  Event{InstrumentID: "1", EventTime: dbzTime(t, "2026-01-15T09:00:01.25Z")}},
		{name: "connect date", spec: DebeziumSpec{TimeColumn: "t", TimeUnit: "nanos"},
			value: dbzSchema(`{"op":"c","after":{"instrument_id":1,"t":20468},"ts_ms":5}`, `{"type":"int32","name":"org.apache.kafka.connect.data.Date","field":"t"}`),
			want:  Event{InstrumentID: "1", EventTime: dbzTime(t, "2026-01-15")}},

		{name: "not JSON", value: `{"op":"c",`, reason: "invalid JSON at byte 10: unexpected end of JSON input"},
		{name: "bad literal", value: `nope`, reason: "invalid JSON at byte 2: invalid character 'o' in literal null (expecting 'u')"},
		{name: "array", value: `[1]`, reason: "record: want an object, got array"},
		{name: "payload not an object", value: `{"schema":null,"payload":[1]}`, reason: `field "payload": want an object, got array`},
		{name: "missing op", value: `{"after":{"instrument_id":1},"ts_ms":1}`, reason: `missing field "op"`},
		{name: "truncate", value: `{"op":"t","ts_ms":1}`, reason: `field "op": want "c", "r", "u" or "d", got "t"`},
		{name: "op not a string", value: `{"op":1,"ts_ms":1}`, reason: `field "op": want "c", "r", "u" or "d", got number`},
		{name: "create without after", value: `{"op":"c","after":null,"ts_ms":1}`, reason: `op "c": field "after": want an object, got null or nothing`},
		{name: "after not an object", value: `{"op":"c","after":"x","ts_ms":1}`, reason: `field "after": want an object, got string`},
		{name: "missing id", value: `{"op":"c","after":{"price":1},"ts_ms":1}`, reason: `missing id column "instrument_id"`},
		{name: "empty id", value: `{"op":"c","after":{"instrument_id":""},"ts_ms":1}`,
			reason: `column "instrument_id" of "after": want a non-empty string or a number, got an empty string`},
		{name: "boolean id", value: `{"op":"c","after":{"instrument_id":true},"ts_ms":1}`,
			reason: `column "instrument_id" of "after": want a non-empty string or a number, got boolean`},
		{name: "infinite id", value: `{"op":"c","after":{"instrument_id":1e999},"ts_ms":1}`,
			reason: `column "instrument_id" of "after": want a finite number, got 1e999`},
		{name: "bad key id", key: `{"instrument_id":[1]}`, value: `{"op":"d","before":null,"ts_ms":1}`,
			reason: `column "instrument_id" of the key: want a non-empty string or a number, got array`},
		{name: "missing ts_ms", value: `{"op":"c","after":{"instrument_id":1}}`, reason: `missing field "ts_ms"`},
		{name: "ts_ms a string", value: `{"op":"c","after":{"instrument_id":1},"ts_ms":"1"}`, reason: `field "ts_ms": want epoch milliseconds, got string`},
		{name: "ts_ms a fraction", value: `{"op":"c","after":{"instrument_id":1},"ts_ms":1.5}`, reason: `field "ts_ms": want epoch milliseconds, got 1.5`},
		{name: "source not an object", value: `{"op":"c","after":{"instrument_id":1},"source":"pg","ts_ms":1}`, reason: `field "source": want an object, got string`},
		{name: "source.ts_ms overflows", value: `{"op":"c","after":{"instrument_id":1},"source":{"ts_ms":9223372036854775807},"ts_ms":1}`,
			reason: `field "source.ts_ms": want epoch milliseconds, got 9223372036854775807`},
		{name: "array column", value: `{"op":"c","after":{"instrument_id":1,"tags":["a"]},"ts_ms":1}`,
			reason: `column "tags" of "after": want a number, a string or null, got array`},
		{name: "array column not configured", spec: DebeziumSpec{Columns: map[string]string{"x": "x"}},
			value: `{"op":"c","after":{"instrument_id":1,"tags":["a"],"x":1},"ts_ms":1}`,
			want:  Event{InstrumentID: "1", EventTime: 1000, Attrs: []Attr{dbzNum("x", 1)}}},
		{name: "bad before column", value: `{"op":"u","before":{"instrument_id":1,"x":{}},"after":{"instrument_id":1,"x":1},"ts_ms":1}`,
			reason: `column "x" of "before": want a number, a string or null, got object`},
		{name: "missing time column", spec: timeCol, value: `{"op":"c","after":{"instrument_id":1},"ts_ms":1}`,
			reason: `missing time column "changed_at" in "after"`},
		{name: "bad time column", spec: timeCol, value: `{"op":"c","after":{"instrument_id":1,"changed_at":"yesterday"},"ts_ms":1}`,
			reason: `column "changed_at": cannot parse "yesterday" as a time (a date, an RFC 3339 time or epoch millis)`},
		{name: "bad date", spec: timeCol, value: `{"op":"c","after":{"instrument_id":1,"changed_at":"2026-02-30"},"ts_ms":1}`,
			reason: `column "changed_at": cannot parse "2026-02-30" as a time (a date, an RFC 3339 time or epoch millis)`},
		{name: "overflowing days", spec: DebeziumSpec{TimeColumn: "t"},
			value:  dbzSchema(`{"op":"c","after":{"instrument_id":1,"t":9223372036854775},"ts_ms":5}`, `{"type":"int32","name":"io.debezium.time.Date","field":"t"}`),
			reason: `column "t": cannot parse 9223372036854775 as a time (days since the epoch)`},
		{name: "bad decimal", value: dbzSchema(`{"op":"c","after":{"instrument_id":1,"p":"%%%"},"ts_ms":5}`, dbzDecimal("p", "2")),
			reason: `column "p" of "after": invalid decimal: "%%%" is not base64`},
		{name: "bad variable scale decimal", value: dbzSchema(`{"op":"c","after":{"instrument_id":1,"p":{"value":"AQ=="}},"ts_ms":5}`,
			`{"type":"struct","optional":true,"name":"io.debezium.data.VariableScaleDecimal","field":"p"}`),
			reason: `column "p" of "after": want a variable-scale decimal {"scale":N,"value":BASE64}`},
		{name: "bad schema", value: `{"schema":{"fields":3},"payload":{"op":"c","after":{"instrument_id":1},"ts_ms":5}}`,
			reason: `field "schema": want a Kafka Connect schema`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDbz(t, tt.spec)
			var key []byte
			if tt.key != "" {
				key = []byte(tt.key)
			}
			var value []byte
			if tt.value != "" {
				value = []byte(tt.value)
			}
			ev := Event{InstrumentID: "stale", Seq: 1, HasSeq: true, Attrs: []Attr{dbzNum("stale", 1)}}
			skip, err := d.Decode(key, value, &ev)
			if tt.reason != "" {
				var de *DecodeError
				if !errors.As(err, &de) || de.Reason != tt.reason {
					t.Fatalf("err = %v\nwant reason %q", err, tt.reason)
				}
				if skip {
					t.Error("skip with an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if skip != tt.skip {
				t.Fatalf("skip = %v, want %v (event %+v)", skip, tt.skip, ev)
			}
			if skip {
				return
			}
			if len(ev.Attrs) == 0 {
				ev.Attrs = nil
			}
			if !reflect.DeepEqual(ev, tt.want) {
				t.Errorf("got  %+v\nwant %+v", ev, tt.want)
			}
		})
	}
}

func TestDebeziumSpec(t *testing.T) {
	var s DebeziumSpec
	err := yaml.Unmarshal([]byte("id_column: isin\ntime_column: changed_at\ntime_unit: days\ncolumns:\n  base_price: base_price\n  short_name: kr_short_name\n"), &s)
	if err != nil {
		t.Fatal(err)
	}
	want := DebeziumSpec{IDColumn: "isin", TimeColumn: "changed_at", TimeUnit: "days",
		Columns: map[string]string{"base_price": "base_price", "short_name": "kr_short_name"}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("yaml: got %+v, want %+v", s, want)
	}
	d := newDbz(t, DebeziumSpec{})
	if got := d.Spec(); !reflect.DeepEqual(got, DefaultDebeziumSpec()) {
		t.Errorf("defaults: got %+v, want %+v", got, DefaultDebeziumSpec())
	}
	for _, tt := range []struct {
		spec DebeziumSpec
		err  string
	}{
		{DebeziumSpec{TimeUnit: "seconds"}, `time_unit: "seconds" is not allowed; want days, millis, micros or nanos`},
		{DebeziumSpec{Columns: map[string]string{"a": ""}}, `columns.a: "" is not allowed; want an attribute name`},
		{DebeziumSpec{Columns: map[string]string{"": "a"}}, `columns: an empty column name is not allowed`},
		{DebeziumSpec{Columns: map[string]string{"a": "x", "b": "x"}}, `columns.b: "x" is not allowed; column "a" already maps to it`},
	} {
		if _, err := NewDebeziumDecoder(tt.spec); err == nil || err.Error() != tt.err {
			t.Errorf("%+v: err = %v, want %q", tt.spec, err, tt.err)
		}
	}
}

func FuzzDebeziumDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "debezium", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		if strings.HasSuffix(name, ".key") {
			continue
		}
		key, value := dbzFile(f, name)
		f.Add(key, value)
	}
	f.Add([]byte(nil), []byte(`{"op":"u","before":{"instrument_id":1,"x":1},"after":{"instrument_id":1,"x":2},"ts_ms":1}`))
	f.Add([]byte(`{"schema":{"fields":[{"field":"instrument_id","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"-2"}}]},"payload":{"instrument_id":"AQ=="}}`),
		[]byte(`{"op":"d","before":null,"ts_ms":1}`))
	f.Add([]byte(nil), []byte(dbzSchema(`{"op":"c","after":{"instrument_id":1,"p":{"scale":3,"value":"MDk="},"t":20000},"ts_ms":5}`,
		`{"type":"struct","name":"io.debezium.data.VariableScaleDecimal","field":"p"}`, `{"type":"int32","name":"io.debezium.time.Date","field":"t"}`)))
	decoders := []*DebeziumDecoder{
		newDbz(f, dbzConfigured),
		newDbz(f, dbzIdentity),
		newDbz(f, DebeziumSpec{TimeColumn: "t", TimeUnit: "days"}),
	}
	f.Fuzz(func(t *testing.T, key, value []byte) {
		for _, d := range decoders {
			var ev Event
			skip, err := d.Decode(key, value, &ev)
			if err != nil {
				var de *DecodeError
				if !errors.As(err, &de) || de.Reason == "" || skip {
					t.Fatalf("err = %#v, skip = %v", err, skip)
				}
				continue
			}
			if skip {
				continue
			}
			if ev.InstrumentID == "" {
				t.Fatalf("no instrument id: %+v", ev)
			}
			if ev.Op == OpDelete && len(ev.Attrs) > 0 {
				t.Fatalf("a delete with attributes: %+v", ev)
			}
			for i := 1; i < len(ev.Attrs); i++ {
				if ev.Attrs[i-1].Name >= ev.Attrs[i].Name {
					t.Fatalf("attributes not sorted and unique: %+v", ev.Attrs)
				}
			}
			// Decoding is deterministic.
			var again Event
			skip2, err2 := d.Decode(key, value, &again)
			if skip2 || err2 != nil || !reflect.DeepEqual(dbzComparable(ev), dbzComparable(again)) {
				t.Fatalf("second decode differs: %+v vs %+v (%v)", ev, again, err2)
			}
		}
	})
}

// dbzComparable returns ev with NaNs (which never equal themselves) made
// comparable.
func dbzComparable(ev Event) Event {
	ev.Attrs = slices.Clone(ev.Attrs)
	for i := range ev.Attrs {
		if v := &ev.Attrs[i].Value; v.Kind == KindNumber && v.Num != v.Num {
			v.Num = 0
		}
	}
	return ev
}
