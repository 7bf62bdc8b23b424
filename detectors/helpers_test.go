package detectors

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"pricewatch/schemas"
)

// only returns a config with every detector disabled, then lets edit
// enable and tune the ones a test wants.
func only(edit func(c *Config)) Config {
	c := DefaultConfig()
	c.Jump.Enabled = false
	c.ZScore.Enabled = false
	c.LimitBand.Enabled = false
	c.Sequence.Enabled = false
	c.Invalid.Enabled = false
	edit(&c)
	return c
}

// allOn returns the defaults with every detector enabled.
func allOn() Config {
	c := DefaultConfig()
	c.EWMA.Enabled = true
	c.Stale.Enabled = true
	c.CUSUM.Enabled = true
	c.PageHinkley.Enabled = true
	c.MAD.Enabled = true
	c.Burst.Enabled = true
	c.CrossSection.Enabled = true
	c.Ensemble.Enabled = true
	return c
}

// builder makes hand-written event sequences: each event gets the next
// offset of partition 3, and event time t seconds after a fixed origin.
type builder struct {
	off    int64
	events []schemas.Event
}

const t0 = int64(1_709_285_400_000_000) // 2024-03-01T09:30:00Z in µs

// add appends an upsert of instrument id at second t with attribute pairs
// ("price", 100.0, "base_price", nil, "price", "n/a", ...).
func (b *builder) add(id string, t float64, kv ...any) *schemas.Event {
	ev := schemas.Event{
		InstrumentID: id,
		EventTime:    t0 + int64(math.Round(t*1e6)),
		Partition:    3,
		Offset:       b.off,
	}
	b.off++
	for i := 0; i < len(kv); i += 2 {
		a := schemas.Attr{Name: kv[i].(string)}
		switch v := kv[i+1].(type) {
		case nil:
		case float64:
			a.Value = schemas.Value{Kind: schemas.KindNumber, Num: v}
		case int:
			a.Value = schemas.Value{Kind: schemas.KindNumber, Num: float64(v)}
		case string:
			a.Value = schemas.Value{Kind: schemas.KindString, Str: v}
		default:
			panic(fmt.Sprintf("bad value %T", v))
		}
		ev.Attrs = append(ev.Attrs, a)
	}
	b.events = append(b.events, ev)
	return &b.events[len(b.events)-1]
}

// prices adds one upsert per price, one second apart from second t.
func (b *builder) prices(id string, t float64, ps ...float64) {
	for i, p := range ps {
		b.add(id, t+float64(i), "price", p)
	}
}

// run feeds events to a new Set of c with a watermark of max event time
// minus bound and returns the findings.
func run(t testing.TB, c Config, events []schemas.Event, bound int64) []schemas.Anomaly {
	t.Helper()
	s, err := NewSet(c)
	if err != nil {
		t.Fatal(err)
	}
	return feed(s, events, bound, math.MinInt64, nil)
}

// feed passes events to s; maxT is the highest event time seen so far.
func feed(s *Set, events []schemas.Event, bound, maxT int64, out []schemas.Anomaly) []schemas.Anomaly {
	for i := range events {
		maxT = max(maxT, events[i].EventTime)
		out = s.Observe(&events[i], maxT-bound, out)
	}
	return out
}

// checkRows fails t unless got and want are the same rows; floats are
// compared bit for bit, so NaN equals NaN.
func checkRows(t *testing.T, got, want []schemas.Anomaly) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("row %d missing: %s", i, rowString(want[i]))
		case i >= len(want):
			t.Errorf("row %d extra: %s", i, rowString(got[i]))
		case rowString(got[i]) != rowString(want[i]):
			t.Errorf("row %d:\n got %s\nwant %s", i, rowString(got[i]), rowString(want[i]))
		}
	}
}

// rowString prints every field of a row, floats exactly.
func rowString(a schemas.Anomaly) string {
	f := func(x float64) string { return fmt.Sprintf("%v(%x)", x, math.Float64bits(x)) }
	return strings.Join([]string{
		a.InstrumentID, fmt.Sprint(a.EventTime), a.Detector, a.Attribute,
		f(a.Observed), f(a.Expected), f(a.Threshold), f(a.Score),
		fmt.Sprintf("%q", a.Reason), fmt.Sprint(a.SrcPartition), fmt.Sprint(a.SrcOffset),
	}, " ")
}

// goRows prints rows as Go literals, for writing expected rows.
func goRows(rows []schemas.Anomaly) string {
	var b strings.Builder
	for _, a := range rows {
		fmt.Fprintf(&b, "{InstrumentID: %q, EventTime: t0 + %d, Detector: %q, Attribute: %q, Observed: %v, Expected: %v, Threshold: %v, Score: %v, Reason: %q, SrcPartition: %d, SrcOffset: %d},\n",
			a.InstrumentID, a.EventTime-t0, a.Detector, a.Attribute, a.Observed, a.Expected, a.Threshold, a.Score, a.Reason, a.SrcPartition, a.SrcOffset)
	}
	return b.String()
}

func strconvF(v float64) string { return fmt.Sprintf("%.6f", v) }
