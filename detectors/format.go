package detectors

import (
	"bytes"
	"math"
	"strconv"
	"time"

	"pricewatch/schemas"
)

// The helpers below build Reason texts. They run only when an anomaly is
// emitted and are deterministic: no locale, no map order, no wall clock.

// appendNum appends v in its shortest exact decimal form, with thousands
// separators in the integer part: 91500 -> "91,500", 0.00012 -> "0.00012".
func appendNum(b []byte, v float64) []byte {
	var tmp [32]byte
	return appendGrouped(b, strconv.AppendFloat(tmp[:0], v, 'f', -1, 64))
}

// appendInt appends n with thousands separators: 1234567 -> "1,234,567".
func appendInt(b []byte, n int64) []byte {
	var tmp [24]byte
	return appendGrouped(b, strconv.AppendInt(tmp[:0], n, 10))
}

// appendFixed appends v rounded to dec decimals, trailing zeros trimmed and
// thousands separated: appendFixed(b, 48.71, 1) -> "48.7", (b, 6, 1) -> "6".
func appendFixed(b []byte, v float64, dec int) []byte {
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], v, 'f', dec, 64)
	return appendGrouped(b, trimZeros(s))
}

// appendSigned is appendFixed with an explicit sign: "+48.7", "-3.1", "0".
func appendSigned(b []byte, v float64, dec int) []byte {
	n := len(b)
	b = appendFixed(b, v, dec)
	if b[n] != '-' && b[n] != 'N' && !(len(b) == n+1 && b[n] == '0') {
		b = append(b[:n+1], b[n:]...)
		b[n] = '+'
	}
	return b
}

// appendOver appends x, which is past the threshold t in magnitude, with
// one decimal, or as many more (up to 6) as it takes for the text to show
// it past t: (8.29, 6) -> "8.3", (4.003, 4) -> "4.003". With signed,
// positive values get a "+".
func appendOver(b []byte, x, t float64, signed bool) []byte {
	dec := 1
	for dec < 6 && math.Abs(math.Round(x*math.Pow10(dec))/math.Pow10(dec)) <= t {
		dec++
	}
	if signed {
		return appendSigned(b, x, dec)
	}
	return appendFixed(b, x, dec)
}

// appendPct appends a fraction as a percentage: one decimal from 1% up,
// three below, trailing zeros trimmed. 0.3128 -> "31.3%", 0.05 -> "5%",
// 0.00125 -> "0.125%". With signed, positive values get a "+".
func appendPct(b []byte, frac float64, signed bool) []byte {
	p := frac * 100
	dec := 3
	if math.Abs(p) >= 1 {
		dec = 1
	}
	if signed {
		b = appendSigned(b, p, dec)
	} else {
		b = appendFixed(b, p, dec)
	}
	return append(b, '%')
}

// appendDur appends a duration in microseconds, rounded to the millisecond,
// as a Go duration string: "2m30s", "1.25s".
func appendDur(b []byte, us float64) []byte {
	d := time.Duration(math.Round(us/1e3)) * time.Millisecond
	return append(b, d.String()...)
}

// appendTime appends an event time (microseconds since the epoch) in RFC 3339
// UTC with microseconds: "2024-03-01T09:30:00.000000Z".
func appendTime(b []byte, us int64) []byte {
	return time.UnixMicro(us).UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z")
}

// trimZeros drops trailing zeros after a decimal point, then the point, and
// turns "-0" into "0".
func trimZeros(s []byte) []byte {
	if dot := bytes.IndexByte(s, '.'); dot >= 0 {
		i := len(s)
		for i > dot+1 && s[i-1] == '0' {
			i--
		}
		if i == dot+1 {
			i = dot
		}
		s = s[:i]
	}
	if len(s) == 2 && s[0] == '-' && s[1] == '0' {
		s = s[1:]
	}
	return s
}

// appendGrouped appends a formatted number, putting a comma between each
// group of three digits of its integer part. Non-numbers (NaN, +Inf) are
// appended as they are.
func appendGrouped(b, s []byte) []byte {
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		b = append(b, s[0])
		s = s[1:]
	}
	end := bytes.IndexByte(s, '.')
	if end < 0 {
		end = len(s)
	}
	if end == 0 || s[0] < '0' || s[0] > '9' {
		return append(b, s...)
	}
	for i := 0; i < end; i++ {
		if i > 0 && (end-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return append(b, s[end:]...)
}

// excess maps how far x is past its threshold t into a score in [0, 1]:
// 1 - t/x, so 0 at the threshold, 0.5 at twice it, and towards 1 beyond.
// Every detector scores this way; x and t are positive magnitudes.
func excess(x, t float64) float64 {
	if !(x > t) || t < 0 {
		return 0
	}
	if math.IsInf(x, 1) {
		return 1
	}
	return min(1, max(0, 1-t/x))
}

// finite reports whether v is neither NaN nor an infinity.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// appendSig appends v with 4 significant digits (trailing zeros trimmed,
// thousands separated; an exponent for very large or small values), with
// signed an explicit sign: 0.012345 -> "0.01235", 1234567 -> "1.235e+06",
// (-3, signed) -> "-3", (2.5, signed) -> "+2.5".
func appendSig(b []byte, v float64, signed bool) []byte {
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], v, 'g', 4, 64)
	if bytes.IndexByte(s, 'e') < 0 {
		s = trimZeros(s)
	}
	if signed && len(s) > 0 && s[0] != '-' && s[0] != 'N' && !(len(s) == 1 && s[0] == '0') {
		b = append(b, '+')
	}
	if bytes.IndexByte(s, 'e') >= 0 {
		return append(b, s...)
	}
	return appendGrouped(b, s)
}

// appendMove appends the change from prev to x as the return-based
// detectors score it: a signed percentage, or with diff a signed difference.
func appendMove(b []byte, x, prev float64, diff bool) []byte {
	if diff {
		return appendSig(b, x-prev, true)
	}
	return appendPct(b, x/prev-1, true)
}

// appendRet appends a statistic of returns (log mode, as a percentage) or
// of differences (diff mode).
func appendRet(b []byte, v float64, diff, signed bool) []byte {
	if diff {
		return appendSig(b, v, signed)
	}
	return appendPct(b, v, signed)
}

// changes names what the return-based detectors score.
func changes(diff bool) string {
	if diff {
		return " changes"
	}
	return " returns"
}

// eventAnomaly is the row of a finding about event ev: its instrument, time
// and source position, and the detector's figures and reason.
func eventAnomaly(ev *schemas.Event, detector, attr string, observed, expected, threshold, score float64, reason []byte) schemas.Anomaly {
	return schemas.Anomaly{InstrumentID: ev.InstrumentID, EventTime: ev.EventTime, Detector: detector, Attribute: attr,
		Observed: observed, Expected: expected, Threshold: threshold, Score: score, Reason: string(reason),
		SrcPartition: ev.Partition, SrcOffset: ev.Offset}
}
