package schemas

import "unsafe"

// Key returns the Kafka record key of an input record: its instrument_id.
// When instrument_id is the object's first member, as `produce` and the
// generator write it, the key is read straight from the front of the record
// (unescaped strings only) without decoding the rest; otherwise the record
// is decoded into ev and the key is its instrument id, or nil when it does
// not decode. `produce` and file backfills both place records with Route,
// so they always agree. The returned slice aliases raw or an interned
// string; it is valid until the next call.
func (d *Decoder) Key(raw []byte, ev *Event) []byte {
	key, _ := d.Route(raw, ev)
	return key
}

// Route is Key that also reports whether raw is a heartbeat that decodes
// (see OpHeartbeat; its key is nil, as for a record that does not decode): a
// line of a JSONL file that speaks for the stream, not for one instrument,
// so that `produce` and file backfills send it to every partition. A record
// is decoded at most once.
func (d *Decoder) Route(raw []byte, ev *Event) (key []byte, heartbeat bool) {
	if k, ok := frontKey(raw); ok {
		return k, false
	}
	if d.Decode(raw, ev) != nil {
		return nil, false
	}
	if ev.Op == OpHeartbeat {
		return nil, true
	}
	return unsafe.Slice(unsafe.StringData(ev.InstrumentID), len(ev.InstrumentID)), false
}

const keyPrefix = `"instrument_id"`

// frontKey reads `{"instrument_id":"…"` at the front of raw.
func frontKey(raw []byte) ([]byte, bool) {
	i := jsonSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, false
	}
	i = jsonSpace(raw, i+1)
	if len(raw)-i < len(keyPrefix) || string(raw[i:i+len(keyPrefix)]) != keyPrefix {
		return nil, false
	}
	i = jsonSpace(raw, i+len(keyPrefix))
	if i >= len(raw) || raw[i] != ':' {
		return nil, false
	}
	i = jsonSpace(raw, i+1)
	if i >= len(raw) || raw[i] != '"' {
		return nil, false
	}
	start := i + 1
	for j := start; j < len(raw); j++ {
		switch c := raw[j]; {
		case c == '"':
			return raw[start:j], j > start
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}
