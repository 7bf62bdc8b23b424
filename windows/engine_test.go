package windows

import (
	"math"
	"strings"
	"testing"
	"time"

	"pricewatch/schemas"
)

// ts parses an RFC 3339 time into event-time microseconds.
func ts(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMicro()
}

const day0 = "2026-01-15T"

// mkEv builds an event on partition 3; vol < 0 means no volume attribute.
func mkEv(off int64, inst, at string, price, vol float64) *schemas.Event {
	ev := &schemas.Event{InstrumentID: inst, EventTime: ts(day0 + at + "Z"), Partition: 3, Offset: off,
		Attrs: []schemas.Attr{{Name: "price", Value: num(price)}}}
	if vol >= 0 {
		ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "volume", Value: num(vol)})
	}
	return ev
}

func newTestEngine(t *testing.T, mod func(*Spec)) *Engine {
	t.Helper()
	s := DefaultSpec()
	if mod != nil {
		mod(&s)
	}
	e, err := NewEngine(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// feed processes events and returns what they emitted.
func feed(e *Engine, evs ...*schemas.Event) Output {
	var out Output
	for _, ev := range evs {
		if ok, _ := e.Admit(ev); ok {
			e.Process(ev, &out)
		}
	}
	return out
}

func wantBars(t *testing.T, got, want []schemas.WindowBar) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d bars, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range got {
		if !sameBar(&got[i], &want[i]) {
			t.Errorf("bar %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestTumblingExactRows(t *testing.T) {
	e := newTestEngine(t, nil) // 1m tumbling, out_of_orderness 2s
	if e.Watermark() != math.MinInt64 {
		t.Fatalf("watermark before any event = %d", e.Watermark())
	}
	out := feed(e,
		mkEv(1, "A", "09:00:10", 10, 2),
		mkEv(2, "A", "09:00:30", 12, 1),
		mkEv(3, "A", "09:00:20", 11, -1), // out of order, in time
		mkEv(4, "B", "09:00:59.5", 100, 3),
		mkEv(5, "A", "09:01:01", 13, 1), // watermark 09:00:59: nothing closes
	)
	if len(out.Bars)+len(out.Late) != 0 {
		t.Fatalf("early output: %+v", out)
	}
	out = feed(e, mkEv(6, "B", "09:01:02.5", 101, 1)) // watermark 09:01:00.5
	start, end := ts(day0+"09:00:00Z"), ts(day0+"09:01:00Z")
	wantBars(t, out.Bars, []schemas.WindowBar{
		{InstrumentID: "A", Attribute: "price", WindowKind: "tumbling", WindowStart: start, WindowEnd: end,
			Open: 10, High: 12, Low: 10, Close: 12, Count: 3, Sum: 33, Mean: 11, Variance: 2.0 / 3,
			Volume: 3, VWAP: 32.0 / 3, HasVWAP: true, FirstTime: ts(day0 + "09:00:10Z"), LastTime: ts(day0 + "09:00:30Z"),
			SrcPartition: 3, SrcOffset: 6},
		{InstrumentID: "B", Attribute: "price", WindowKind: "tumbling", WindowStart: start, WindowEnd: end,
			Open: 100, High: 100, Low: 100, Close: 100, Count: 1, Sum: 100, Mean: 100,
			Volume: 3, VWAP: 100, HasVWAP: true, FirstTime: ts(day0 + "09:00:59.5Z"), LastTime: ts(day0 + "09:00:59.5Z"),
			SrcPartition: 3, SrcOffset: 6},
	})
	if got := e.Watermark(); got != ts(day0+"09:01:00.5Z") {
		t.Fatalf("watermark %d", got)
	}
	out = feed(e, mkEv(7, "A", "09:00:45", 9, -1))
	wantLate := []schemas.LateEvent{{InstrumentID: "A", Attribute: "price", WindowKind: "tumbling", EventTime: ts(day0 + "09:00:45Z"), Value: 9,
		WindowStart: start, WindowEnd: end, Watermark: ts(day0 + "09:01:00.5Z"),
		Reason:       "tumbling 1m0s window [2026-01-15T09:00:00Z, 2026-01-15T09:01:00Z) closed at watermark 2026-01-15T09:01:00.5Z; allowed lateness 0s",
		SrcPartition: 3, SrcOffset: 7}}
	if len(out.Bars) != 0 || len(out.Late) != 1 || out.Late[0] != wantLate[0] {
		t.Fatalf("late: got %+v, want %+v", out, wantLate)
	}
}

func TestTumblingAllowedLateness(t *testing.T) {
	e := newTestEngine(t, func(s *Spec) { s.AllowedLateness = dur("5s") })
	feed(e, mkEv(1, "A", "09:00:10", 10, -1), mkEv(2, "A", "09:01:02.5", 11, -1)) // closes [09:00, 09:01)
	start, end := ts(day0+"09:00:00Z"), ts(day0+"09:01:00Z")
	out := feed(e, mkEv(3, "A", "09:00:45", 9, -1), mkEv(4, "C", "09:00:50", 50, -1))
	wantBars(t, out.Bars, []schemas.WindowBar{
		{InstrumentID: "A", Attribute: "price", WindowKind: "tumbling", WindowStart: start, WindowEnd: end,
			Open: 10, High: 10, Low: 9, Close: 9, Count: 2, Sum: 19, Mean: 9.5, Variance: 0.25,
			FirstTime: ts(day0 + "09:00:10Z"), LastTime: ts(day0 + "09:00:45Z"), LateUpdates: 1, Revision: 1,
			SrcPartition: 3, SrcOffset: 3},
		// C's window closed empty: its first row is Revision 0 with one late update.
		{InstrumentID: "C", Attribute: "price", WindowKind: "tumbling", WindowStart: start, WindowEnd: end,
			Open: 50, High: 50, Low: 50, Close: 50, Count: 1, Sum: 50, Mean: 50,
			FirstTime: ts(day0 + "09:00:50Z"), LastTime: ts(day0 + "09:00:50Z"), LateUpdates: 1,
			SrcPartition: 3, SrcOffset: 4},
	})
	out = feed(e, mkEv(5, "A", "09:01:07", 12, -1), mkEv(6, "A", "09:00:55", 8, -1)) // watermark 09:01:05: gone
	if len(out.Bars) != 0 || len(out.Late) != 1 ||
		out.Late[0].Reason != "tumbling 1m0s window [2026-01-15T09:00:00Z, 2026-01-15T09:01:00Z) closed at watermark 2026-01-15T09:01:05Z; allowed lateness 5s" {
		t.Fatalf("got %+v", out)
	}
}

func TestHoppingExactRows(t *testing.T) {
	e := newTestEngine(t, func(s *Spec) {
		s.Tumbling = nil
		s.Hopping = []HopSpec{{dur("3m"), dur("1m")}}
	})
	out := feed(e,
		mkEv(1, "A", "09:00:30", 1, -1),
		mkEv(2, "A", "09:01:30", 2, -1),
		mkEv(3, "A", "09:02:30", 3, -1),
		mkEv(4, "A", "09:03:05", 4, -1), // watermark 09:03:03
	)
	w := func(s, e string, open, cl float64, n int64, sum float64, first, last string) schemas.WindowBar {
		mean := sum / float64(n)
		return schemas.WindowBar{InstrumentID: "A", Attribute: "price", WindowKind: "hopping",
			WindowStart: ts(day0 + s + "Z"), WindowEnd: ts(day0 + e + "Z"), Open: open, Close: cl,
			High: max(open, cl), Low: min(open, cl), Count: n, Sum: sum, Mean: mean,
			FirstTime: ts(day0 + first + "Z"), LastTime: ts(day0 + last + "Z"), SrcPartition: 3}
	}
	want := []schemas.WindowBar{
		w("08:58:00", "09:01:00", 1, 1, 1, 1, "09:00:30", "09:00:30"),
		w("08:59:00", "09:02:00", 1, 2, 2, 3, "09:00:30", "09:01:30"),
		w("09:00:00", "09:03:00", 1, 3, 3, 6, "09:00:30", "09:02:30"),
	}
	want[1].Variance, want[2].Variance = 0.25, 2.0/3
	want[0].SrcOffset, want[1].SrcOffset, want[2].SrcOffset = 2, 3, 4 // each closes when the watermark passes its end
	wantBars(t, out.Bars, want)

	// 09:01:45 belongs to [08:59, 09:02) and [09:00, 09:03), both gone, and to
	// [09:01, 09:04), still open.
	out = feed(e, mkEv(5, "A", "09:01:45", 9, -1))
	if len(out.Bars) != 0 || len(out.Late) != 1 {
		t.Fatalf("got %+v", out)
	}
	l := out.Late[0]
	if l.WindowStart != ts(day0+"09:00:00Z") || l.WindowEnd != ts(day0+"09:03:00Z") ||
		l.Reason != "hopping 3m0s/1m0s window [2026-01-15T09:00:00Z, 2026-01-15T09:03:00Z) closed at watermark 2026-01-15T09:03:03Z; allowed lateness 0s (and 1 earlier windows)" {
		t.Fatalf("late row %+v", l)
	}
	out = Output{}
	e.Flush(3, 10, &out)
	if len(out.Bars) != 3 || out.Bars[0].WindowStart != ts(day0+"09:01:00Z") || out.Bars[0].Count != 4 || out.Bars[0].Low != 2 {
		t.Fatalf("flush %+v", out.Bars)
	}
}

func TestSessionExactRows(t *testing.T) {
	e := newTestEngine(t, func(s *Spec) {
		s.Tumbling = nil
		s.Session = []SessionSpec{{dur("30s")}}
		s.OutOfOrderness = dur("1m")
	})
	out := feed(e,
		mkEv(1, "A", "09:00:00", 1, -1),
		mkEv(2, "A", "09:00:20", 2, -1), // same session: [09:00:00, 09:00:50)
		mkEv(3, "A", "09:01:00", 3, -1), // 40s later: a new session
		mkEv(4, "A", "09:00:40", 4, -1), // [09:00:40, 09:01:10) bridges both
	)
	if len(out.Bars) != 0 || e.OpenWindows() != 1 {
		t.Fatalf("got %+v, %d open", out, e.OpenWindows())
	}
	out = feed(e, mkEv(5, "A", "09:02:31", 5, -1)) // watermark 09:01:31 closes it
	wantBars(t, out.Bars, []schemas.WindowBar{{InstrumentID: "A", Attribute: "price", WindowKind: "session",
		WindowStart: ts(day0 + "09:00:00Z"), WindowEnd: ts(day0 + "09:01:30Z"), Open: 1, Close: 3, High: 4, Low: 1,
		Count: 4, Sum: 10, Mean: 2.5, Variance: 1.25, FirstTime: ts(day0 + "09:00:00Z"), LastTime: ts(day0 + "09:01:00Z"),
		SrcPartition: 3, SrcOffset: 5}})
	out = feed(e, mkEv(6, "A", "09:00:59", 6, -1))
	if len(out.Late) != 1 || out.Late[0].Reason != "session (gap 30s) window [2026-01-15T09:00:59Z, 2026-01-15T09:01:29Z) closed at watermark 2026-01-15T09:01:31Z; allowed lateness 0s" {
		t.Fatalf("got %+v", out)
	}
}

func TestSessionLateUpdateReopens(t *testing.T) {
	e := newTestEngine(t, func(s *Spec) {
		s.Tumbling = nil
		s.Session = []SessionSpec{{dur("10s")}}
		s.OutOfOrderness = 0
		s.AllowedLateness = dur("1m")
	})
	feed(e, mkEv(1, "A", "09:00:00", 1, -1), mkEv(2, "B", "09:00:12", 1, -1)) // A's [09:00:00, 09:00:10) closes
	out := feed(e, mkEv(3, "A", "09:00:01", 2, -1))                           // [09:00:00, 09:00:11): still closed
	if len(out.Bars) != 1 || out.Bars[0].Revision != 1 || out.Bars[0].LateUpdates != 1 || out.Bars[0].WindowEnd != ts(day0+"09:00:11Z") {
		t.Fatalf("got %+v", out.Bars)
	}
	out = feed(e, mkEv(4, "A", "09:00:04", 3, -1)) // [09:00:00, 09:00:14) ends after the watermark: reopened
	if len(out.Bars) != 0 || e.OpenWindows() != 2 {
		t.Fatalf("got %+v, %d open", out.Bars, e.OpenWindows())
	}
	out = feed(e, mkEv(5, "B", "09:00:16", 1, -1)) // closes it again
	if len(out.Bars) != 1 || out.Bars[0].InstrumentID != "A" || out.Bars[0].Revision != 2 ||
		out.Bars[0].LateUpdates != 2 || out.Bars[0].Count != 3 || out.Bars[0].WindowEnd != ts(day0+"09:00:14Z") {
		t.Fatalf("got %+v", out.Bars)
	}
}

func TestDailyAlignment(t *testing.T) {
	cases := []struct {
		tz, at, start, end string
	}{
		{"Asia/Seoul", "2026-01-15T14:59:59Z", "2026-01-14T15:00:00Z", "2026-01-15T15:00:00Z"},
		{"Asia/Seoul", "2026-01-15T15:00:00Z", "2026-01-15T15:00:00Z", "2026-01-16T15:00:00Z"},
		{"UTC", "2026-01-15T14:59:59Z", "2026-01-15T00:00:00Z", "2026-01-16T00:00:00Z"},
		// US DST starts 2026-03-08: that local day has 23 hours, 2026-11-01 has 25.
		{"America/New_York", "2026-03-08T12:00:00Z", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"},
		{"America/New_York", "2026-11-01T12:00:00Z", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z"},
	}
	for _, c := range cases {
		e := newTestEngine(t, func(s *Spec) { s.Timezone = c.tz; s.Tumbling = durs("24h") })
		var out Output
		e.Process(&schemas.Event{InstrumentID: "X", EventTime: ts(c.at), Attrs: []schemas.Attr{{Name: "price", Value: num(1)}}}, &out)
		e.Flush(0, 0, &out)
		if len(out.Bars) != 1 || out.Bars[0].WindowStart != ts(c.start) || out.Bars[0].WindowEnd != ts(c.end) {
			t.Errorf("%s %s: got %+v, want [%s, %s)", c.tz, c.at, out.Bars, c.start, c.end)
		}
	}
	// Sub-day windows follow the zone's offset: Kolkata (+05:30) hours start at :30 UTC.
	e := newTestEngine(t, func(s *Spec) { s.Timezone = "Asia/Kolkata"; s.Tumbling = durs("1h") })
	var out Output
	e.Process(&schemas.Event{InstrumentID: "X", EventTime: ts("2026-01-15T10:10:00Z"), Attrs: []schemas.Attr{{Name: "price", Value: num(1)}}}, &out)
	e.Flush(0, 0, &out)
	if out.Bars[0].WindowStart != ts("2026-01-15T09:30:00Z") {
		t.Errorf("Kolkata hour starts at %s", fmtTime(out.Bars[0].WindowStart))
	}
}

func TestAdmitFuture(t *testing.T) {
	reject := newTestEngine(t, func(s *Spec) { s.MaxFuture = dur("1h") })
	first := mkEv(1, "A", "08:00:00", 1, -1)
	if ok, reason := reject.Admit(first); !ok || reason != "" {
		t.Fatalf("first event: %v %q", ok, reason)
	}
	feed(reject, first)
	ev := mkEv(2, "A", "10:00:00", 1, -1)
	ok, reason := reject.Admit(ev)
	if ok || reason != "event_time 2026-01-15T10:00:00Z is 2h0m0s ahead of the partition clock; max_future is 1h0m0s" {
		t.Fatalf("reject: %v %q", ok, reason)
	}
	if reject.Watermark() != ts(day0+"07:59:58Z") {
		t.Fatal("Admit moved the watermark")
	}
	if ok, _ := reject.Admit(mkEv(3, "A", "09:00:00", 1, -1)); !ok {
		t.Fatal("exactly max_future ahead is admitted")
	}

	clamp := newTestEngine(t, func(s *Spec) { s.MaxFuture = dur("1h"); s.FutureAction = "clamp" })
	feed(clamp, mkEv(1, "A", "08:00:00", 1, -1))
	ev = mkEv(2, "A", "10:00:00", 1, -1)
	ok, reason = clamp.Admit(ev)
	if !ok || ev.EventTime != ts(day0+"09:00:00Z") ||
		reason != "event_time 2026-01-15T10:00:00Z was 2h0m0s ahead of the partition clock; clamped to 2026-01-15T09:00:00Z (max_future 1h0m0s)" {
		t.Fatalf("clamp: %v %q %s", ok, reason, fmtTime(ev.EventTime))
	}

	bad := &schemas.Event{InstrumentID: "A", EventTime: math.MaxInt64, Attrs: []schemas.Attr{{Name: "price", Value: num(1)}}}
	if ok, reason := clamp.Admit(bad); ok || !strings.Contains(reason, "outside the supported years") {
		t.Fatalf("out of range: %v %q", ok, reason)
	}
	var out Output
	clamp.Process(bad, &out) // not admitted, but Process must not drop it silently
	if len(out.Late) != 1 || out.Late[0].Value != 1 || clamp.Watermark() != ts(day0+"07:59:58Z") {
		t.Fatalf("out of range through Process: %+v", out)
	}
}

func TestFlush(t *testing.T) {
	e := newTestEngine(t, func(s *Spec) {
		s.Tumbling = durs("1m")
		s.Hopping = []HopSpec{{dur("2m"), dur("1m")}}
		s.Session = []SessionSpec{{dur("10s")}}
	})
	feed(e, mkEv(1, "B", "09:00:10", 1, 1), mkEv(2, "A", "09:00:20", 2, 1))
	if n := e.OpenWindows(); n != 8 { // per instrument: 1 tumbling + 2 hopping + 1 session
		t.Fatalf("OpenWindows = %d", n)
	}
	if e.StateBytes() <= 0 {
		t.Fatal("StateBytes")
	}
	var out Output
	e.Flush(9, 42, &out)
	if len(out.Bars) != 8 {
		t.Fatalf("flush emitted %d rows: %+v", len(out.Bars), out.Bars)
	}
	// by end, start, instrument: B's session ends first; [08:59, 09:01) before [09:00, 09:01)
	order := []string{"B session", "A session", "A hopping", "B hopping", "A tumbling", "B tumbling", "A hopping", "B hopping"}
	for i, b := range out.Bars {
		if b.SrcPartition != 9 || b.SrcOffset != 42 || b.Revision != 0 || b.Early {
			t.Errorf("row %d: %+v", i, b)
		}
		if got := b.InstrumentID + " " + b.WindowKind; got != order[i] {
			t.Errorf("row %d is %s, want %s", i, got, order[i])
		}
	}
	if e.OpenWindows() != 0 {
		t.Fatal("state left after Flush")
	}
	out.Reset()
	e.Flush(9, 43, &out)
	if len(out.Bars) != 0 {
		t.Fatal("second Flush emitted rows")
	}
}

func TestEarlyRows(t *testing.T) {
	e := newTestEngine(t, func(s *Spec) { s.EarlyInterval = dur("10s"); s.OutOfOrderness = 0 })
	out := feed(e, mkEv(1, "A", "09:00:01", 1, -1), mkEv(2, "A", "09:00:05", 2, -1))
	if len(out.Bars) != 0 {
		t.Fatalf("no crossing yet: %+v", out.Bars)
	}
	out = feed(e, mkEv(3, "A", "09:00:11", 3, -1)) // crosses 09:00:10
	if len(out.Bars) != 1 || !out.Bars[0].Early || out.Bars[0].Count != 3 || out.Bars[0].Revision != 0 {
		t.Fatalf("got %+v", out.Bars)
	}
	out = feed(e, mkEv(4, "B", "09:00:15", 1, -1), mkEv(5, "B", "09:00:21", 1, -1)) // crosses 09:00:20: only B changed
	if len(out.Bars) != 1 || out.Bars[0].InstrumentID != "B" || out.Bars[0].Count != 2 {
		t.Fatalf("got %+v", out.Bars)
	}
	// 09:01:00 closes the minute (final rows, not early) and crosses an early
	// boundary: A's new window, touched by this very event, gets an early row.
	out = feed(e, mkEv(6, "A", "09:01:00", 1, -1))
	if len(out.Bars) != 3 || out.Bars[0].Early || out.Bars[1].Early || !out.Bars[2].Early ||
		out.Bars[0].Count != 3 || out.Bars[1].Count != 2 || out.Bars[2].WindowStart != ts(day0+"09:01:00Z") {
		t.Fatalf("got %+v", out.Bars)
	}
}

func TestCheckpointMismatch(t *testing.T) {
	e := newTestEngine(t, nil)
	feed(e, mkEv(1, "A", "09:00:00", 1, -1))
	data, err := e.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	other := newTestEngine(t, func(s *Spec) { s.Tumbling = durs("5m") })
	if err := other.UnmarshalBinary(data); err == nil || !strings.Contains(err.Error(), "windows config") {
		t.Fatalf("err = %v", err)
	}
	if err := other.UnmarshalBinary([]byte("junk")); err == nil {
		t.Fatal("junk accepted")
	}
	same := newTestEngine(t, func(s *Spec) { s.OutOfOrderness = dur("5s") }) // clock settings may change
	if err := same.UnmarshalBinary(data); err != nil || same.OpenWindows() != 1 {
		t.Fatalf("err = %v, open %d", err, same.OpenWindows())
	}
}
