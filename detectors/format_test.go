package detectors

import (
	"math"
	"testing"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		got  []byte
		want string
	}{
		{appendNum(nil, 91500), "91,500"},
		{appendNum(nil, 1234567.891), "1,234,567.891"},
		{appendNum(nil, -1234), "-1,234"},
		{appendNum(nil, 999), "999"},
		{appendNum(nil, 0.00012), "0.00012"},
		{appendNum(nil, 1e21), "1,000,000,000,000,000,000,000"},
		{appendNum(nil, math.NaN()), "NaN"},
		{appendNum(nil, math.Inf(1)), "+Inf"},
		{appendNum(nil, math.Inf(-1)), "-Inf"},
		{appendInt(nil, -1234567), "-1,234,567"},
		{appendFixed(nil, 6, 2), "6"},
		{appendFixed(nil, 48.71, 1), "48.7"},
		{appendFixed(nil, -0.01, 1), "0"},
		{appendSigned(nil, 48.71, 1), "+48.7"},
		{appendSigned(nil, -3.14, 1), "-3.1"},
		{appendSigned(nil, 0.01, 1), "0"},
		{appendPct(nil, 0.31276, false), "31.3%"},
		{appendPct(nil, 0.05, false), "5%"},
		{appendPct(nil, 0.00125, false), "0.125%"},
		{appendPct(nil, 0, false), "0%"},
		{appendPct(nil, 0.05, true), "+5%"},
		{appendPct(nil, -0.05, true), "-5%"},
		{appendPct(nil, -1e-9, true), "0%"},
		{appendPct(nil, 12.5, false), "1,250%"},
		{appendOver(nil, 8.29, 6, false), "8.3"},
		{appendOver(nil, 4.003, 4, false), "4.003"},
		{appendOver(nil, -6.04, 6, true), "-6.04"},
		{appendOver(nil, 7, 6, true), "+7"},
		{appendDur(nil, 150e6), "2m30s"},
		{appendDur(nil, 1_234_567), "1.235s"},
		{appendTime(nil, 1_709_285_400_000_001), "2024-03-01T09:30:00.000001Z"},
	} {
		if string(tc.got) != tc.want {
			t.Errorf("got %q; want %q", tc.got, tc.want)
		}
	}
}

func TestExcess(t *testing.T) {
	for _, tc := range []struct{ x, t, want float64 }{
		{0.05, 0.05, 0},
		{0.04, 0.05, 0},
		{0.1, 0.05, 0.5},
		{0.2, 0.05, 0.75},
		{math.Inf(1), 6, 1},
		{math.NaN(), 6, 0},
	} {
		if got := excess(tc.x, tc.t); got != tc.want {
			t.Errorf("excess(%v, %v) = %v; want %v", tc.x, tc.t, got, tc.want)
		}
	}
}

// TestAppendNoAlloc: reasons build in a reused buffer.
func TestAppendNoAlloc(t *testing.T) {
	buf := make([]byte, 0, 256)
	n := testing.AllocsPerRun(100, func() {
		b := appendNum(buf[:0], 91500.25)
		b = appendPct(b, 0.3128, true)
		b = appendOver(b, 8.29, 6, true)
		_ = appendInt(b, 1234567)
	})
	if n != 0 {
		t.Errorf("%v allocations", n)
	}
}
