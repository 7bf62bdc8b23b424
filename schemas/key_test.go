package schemas

import "testing"

func TestKey(t *testing.T) {
	d := NewDecoder()
	var ev Event
	for in, want := range map[string]string{
		`{"instrument_id":"005930","event_time":"2026-01-15","price":1}`:  "005930",
		` { "instrument_id" : "005930" , "broken`:                         "005930", // front form: read without decoding
		`{"event_time":"2026-01-15","instrument_id":"000660","price":1}`:  "000660", // decoded
		`{"event_time":"2026-01-15","instrument_id":"000660","price":{}}`: "",       // does not decode
		`{"instrument_id":"a\"b","event_time":"2026-01-15"}`:              `a"b`,    // escaped: decoded
		`not json`: "",
		`{"instrument_id":"","event_time":"2026-01-15"}`: "",
	} {
		if got := string(d.Key([]byte(in), &ev)); got != want {
			t.Errorf("Key(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestHeartbeat(t *testing.T) {
	d := NewDecoder()
	var ev Event
	for in, want := range map[string]bool{
		`{"op":"heartbeat","event_time":"2026-01-15T09:01:05Z"}`: true,
		`{"event_time":1768467665000,"op":"heartbeat"}`:          true,
		`{"op":"heartbeat"}`: false, // no event_time: a dead letter
		`{"op":"heartbeat","event_time":"2026-01-15","instrument_id":"a"}`:        false,
		`{"instrument_id":"a","event_time":"2026-01-15","op":"upsert","price":1}`: false,
		`{"op":"heartbeat","event_time":"2026-01-15","price":1}`:                  false,
		`not json`: false,
	} {
		key, got := d.Route([]byte(in), &ev)
		if key != nil && want {
			t.Errorf("Route(%s) key is not nil", in)
		}
		if got != want {
			t.Errorf("Route(%s) heartbeat = %v, want %v", in, got, want)
		}
	}
}

func BenchmarkKey(b *testing.B) {
	d := NewDecoder()
	var ev Event
	raw := []byte(`{"instrument_id":"005930","event_time":"2026-01-15T09:00:01.250Z","seq":17,"price":71200,"volume":15}`)
	b.ReportAllocs()
	for b.Loop() {
		d.Key(raw, &ev)
	}
}
