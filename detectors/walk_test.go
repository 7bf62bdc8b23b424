package detectors

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"pricewatch/schemas"
)

// walk is a seeded Gaussian random walk of log prices for a number of
// instruments, interleaved round-robin: tick k of instrument i is at offset
// k*n+i and event time t0 + k seconds + i ms, with Seq k+1.
type walk struct {
	ids     []string
	rets    [][]float64 // rets[i][k]: log return into tick k (rets[i][0] unused)
	events  []schemas.Event
	planted []int64 // offsets of planted jumps, ascending
}

func newWalk(seed uint64, instruments, ticks int, sd float64) *walk {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	w := &walk{}
	for i := range instruments {
		w.ids = append(w.ids, fmt.Sprintf("INS%03d", i))
		r := make([]float64, ticks)
		for k := 1; k < ticks; k++ {
			r[k] = sd * rng.NormFloat64()
		}
		w.rets = append(w.rets, r)
	}
	w.build()
	return w
}

// plant adds a jump of the given relative size at each tick k (shifted by
// 7*i for instrument i, so instruments differ), lifting the rest of the walk.
func (w *walk) plant(jump float64, ticks ...int) {
	for i := range w.ids {
		for _, k := range ticks {
			w.rets[i][k+7*i] += math.Log1p(jump)
			w.planted = append(w.planted, int64((k+7*i)*len(w.ids)+i))
		}
	}
	slices.Sort(w.planted)
	w.build()
}

func (w *walk) build() {
	n, ticks := len(w.ids), len(w.rets[0])
	w.events = make([]schemas.Event, 0, n*ticks)
	logp := make([]float64, n)
	for i := range logp {
		logp[i] = math.Log(100 + 10*float64(i))
	}
	for k := range ticks {
		for i := range n {
			logp[i] += w.rets[i][k]
			w.events = append(w.events, schemas.Event{
				InstrumentID: w.ids[i],
				EventTime:    t0 + int64(k)*1e6 + int64(i)*1e3,
				Seq:          int64(k + 1),
				HasSeq:       true,
				Attrs:        []schemas.Attr{{Name: "price", Value: schemas.Value{Kind: schemas.KindNumber, Num: math.Exp(logp[i])}}},
				Partition:    0,
				Offset:       int64(len(w.events)),
			})
		}
	}
}

// byDetector returns the offsets of rows of each detector.
func byDetector(rows []schemas.Anomaly) map[string][]int64 {
	m := map[string][]int64{}
	for _, a := range rows {
		m[a.Detector] = append(m[a.Detector], a.SrcOffset)
	}
	return m
}

// TestWalkDefaults: with the defaults a smooth walk of 10k ticks for 20
// instruments (sd 0.1% per tick) gives no jump or zscore rows, and the same
// walk with 8% jumps planted gives exactly those for jump and includes
// them for zscore.
func TestWalkDefaults(t *testing.T) {
	w := newWalk(42, 20, 10_000, 0.001)
	rows := byDetector(run(t, DefaultConfig(), w.events, 0))
	if n := len(rows["jump"]) + len(rows["zscore"]); n != 0 {
		t.Fatalf("smooth walk: %d jump and %d zscore rows, want none", len(rows["jump"]), len(rows["zscore"]))
	}
	w.plant(0.08, 1000, 3500, 6000, 9000)
	rows = byDetector(run(t, DefaultConfig(), w.events, 0))
	if !slices.Equal(rows["jump"], w.planted) {
		t.Errorf("jump rows at %v,\nplanted at %v", rows["jump"], w.planted)
	}
	for _, off := range w.planted {
		if !slices.Contains(rows["zscore"], off) {
			t.Errorf("zscore missed the jump planted at offset %d", off)
		}
	}
	t.Logf("planted %d; zscore rows %d", len(w.planted), len(rows["zscore"]))
}

// TestWalkZScoreFivePercent: a single 5% jump in the smooth walk is flagged.
func TestWalkZScoreFivePercent(t *testing.T) {
	w := newWalk(7, 1, 10_000, 0.001)
	w.plant(0.05, 5000)
	c := only(func(c *Config) { c.ZScore.Enabled = true })
	rows := byDetector(run(t, c, w.events, 0))
	if !slices.Equal(rows["zscore"], w.planted) {
		t.Errorf("zscore rows at %v, planted at %v", rows["zscore"], w.planted)
	}
}

// TestWalkOptional reports how often the default-off detectors fire on
// the smooth walk, and checks they catch the planted jumps where they are
// meant to.
func TestWalkOptional(t *testing.T) {
	w := newWalk(42, 20, 10_000, 0.001)
	rows := byDetector(run(t, allOn(), w.events, 0))
	for _, name := range []string{"ewma", "mad", "cusum", "page_hinkley", "stale", "sequence", "limit_band", "invalid"} {
		t.Logf("smooth walk: %s %d rows", name, len(rows[name]))
	}
	for _, name := range []string{"ewma", "mad", "stale", "sequence", "limit_band", "invalid"} {
		if len(rows[name]) != 0 {
			t.Errorf("smooth walk: %d %s rows, want none", len(rows[name]), name)
		}
	}
	w.plant(0.08, 1000, 3500, 6000, 9000)
	rows = byDetector(run(t, allOn(), w.events, 0))
	for _, name := range []string{"ewma", "mad"} {
		for _, off := range w.planted {
			if !slices.Contains(rows[name], off) {
				t.Errorf("%s missed the jump planted at offset %d", name, off)
			}
		}
	}
}
