package jobs

import (
	"testing"
	"time"

	"pricewatch/schemas"
)

// TestHeartbeatValue: the record `run` writes decodes as a heartbeat at the
// same microsecond.
func TestHeartbeatValue(t *testing.T) {
	at := time.Date(2026, 1, 15, 6, 30, 0, 123456000, time.UTC).UnixMicro()
	raw := heartbeatValue(at)
	if want := `{"op":"heartbeat","event_time":"2026-01-15T06:30:00.123456Z"}`; string(raw) != want {
		t.Fatalf("heartbeatValue = %s, want %s", raw, want)
	}
	var ev schemas.Event
	if err := schemas.NewDecoder().Decode(raw, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Op != schemas.OpHeartbeat || ev.EventTime != at || ev.InstrumentID != "" || len(ev.Attrs) != 0 {
		t.Fatalf("decoded %+v", ev)
	}
}

func TestHeartbeatTime(t *testing.T) {
	for _, tt := range []struct {
		newest    int64
		quiet     time.Duration
		maxFuture int64
		want      int64
	}{
		{1_000_000, 3 * time.Second, 0, 4_000_000},
		{1_000_000, 3 * time.Second, 5_000_000, 4_000_000},
		{1_000_000, 3 * time.Second, 2_000_000, 3_000_000}, // never past max_future
	} {
		if got := heartbeatTime(tt.newest, tt.quiet, tt.maxFuture); got != tt.want {
			t.Errorf("heartbeatTime(%d, %s, %d) = %d, want %d", tt.newest, tt.quiet, tt.maxFuture, got, tt.want)
		}
	}
}
