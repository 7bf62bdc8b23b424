package windows

import (
	"fmt"
	"math"
	"time"

	"pricewatch/schemas"
)

// closedReason explains a LateEvent: the window it missed (the latest one,
// when it missed several of a hopping spec; earlier counts the others).
func closedReason(label string, start, end, wm, lateness, earlier int64) string {
	s := fmt.Sprintf("%s window [%s, %s) closed at watermark %s; allowed lateness %s",
		label, fmtTime(start), fmtTime(end), fmtTime(wm), fmtDur(lateness))
	if earlier > 0 {
		s += fmt.Sprintf(" (and %d earlier windows)", earlier)
	}
	return s
}

// outOfRange reports an event whose time no window can hold, one LateEvent
// per configured attribute it carries as a number. The watermark is not
// moved.
func (e *Engine) outOfRange(ev *schemas.Event) {
	e.readAttrs(ev)
	reason := fmt.Sprintf("event_time %d us is outside the supported years 0001-9999", ev.EventTime)
	for a, name := range e.attrs {
		if e.has&(1<<a) == 0 {
			continue
		}
		e.out.Late = append(e.out.Late, schemas.LateEvent{
			InstrumentID: ev.InstrumentID, Attribute: name, EventTime: ev.EventTime, Value: e.vals[a],
			Watermark: e.wm, Reason: reason, SrcPartition: e.srcP, SrcOffset: e.srcO,
		})
	}
}

// fmtTime writes an event time as RFC 3339 UTC with as many fraction digits
// as needed.
func fmtTime(t int64) string {
	if t == math.MinInt64 {
		return "-inf"
	}
	return time.UnixMicro(t).UTC().Format("2006-01-02T15:04:05.999999Z07:00")
}

// fmtDur writes microseconds as a Go duration string.
func fmtDur(us int64) string {
	if us > math.MaxInt64/1000 || us < math.MinInt64/1000 {
		return fmt.Sprintf("%dh", us/3600e6)
	}
	return (time.Duration(us) * time.Microsecond).String()
}
