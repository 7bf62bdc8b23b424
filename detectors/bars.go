package detectors

import (
	"fmt"
	"strings"
	"time"

	"pricewatch/schemas"
)

// The window-level detectors (burst, cross_section) follow series of bars:
// one attribute of one window spec (kind and length), since a lane may run
// several window specs over several attributes. Only final results are
// used: Revision 0, not Early, of tumbling and hopping windows (session
// windows have no common length or end). A series keeps state for each
// instrument in a slice indexed by the instrument number, grown when the
// instrument's first bar of the series arrives.

// usableBar reports whether a bar is one the window-level detectors use.
func usableBar(bar *schemas.WindowBar) bool {
	return bar.Revision == 0 && !bar.Early && (bar.WindowKind == "tumbling" || bar.WindowKind == "hopping") &&
		bar.WindowEnd > bar.WindowStart
}

// seriesKey names a series of bars. Fields are exported for gob.
type seriesKey struct {
	Attr string
	Kind string
	Size int64 // window length, µs
}

func keyOf(bar *schemas.WindowBar) seriesKey {
	return seriesKey{Attr: bar.Attribute, Kind: bar.WindowKind, Size: bar.WindowEnd - bar.WindowStart}
}

func (k seriesKey) matches(bar *schemas.WindowBar) bool {
	return k.Size == bar.WindowEnd-bar.WindowStart && k.Attr == bar.Attribute && k.Kind == bar.WindowKind
}

// grow returns st with room for instrument ix.
func grow[T any](st []T, ix int32) []T {
	for int(ix) >= len(st) {
		var zero T
		st = append(st, zero)
	}
	return st
}

// appendWindow appends "the 1m window from 2024-03-01T09:30:00.000000Z".
func appendWindow(b []byte, start, end int64) []byte {
	b = append(b, "the "...)
	b = append(b, shortDur(end-start)...)
	b = append(b, " window from "...)
	return appendTime(b, start)
}

// shortDur writes a duration in µs as a Go duration without trailing zero
// units: "1m", "1h30m", "90s", "1.5s".
func shortDur(us int64) string {
	s := (time.Duration(us) * time.Microsecond).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// checkSeries checks restored series against the number of instruments.
func checkSeries(n, ids int, what string) error {
	if n > ids {
		return fmt.Errorf("%s for %d instruments of %d", what, n, ids)
	}
	return nil
}
