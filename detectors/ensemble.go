package detectors

import (
	"math"
	"unsafe"

	"pricewatch/schemas"
)

// EnsembleConfig is the `ensemble` detector: one combined score of an event
// from the per-event detectors that checked it. Each member's measure over
// its threshold r becomes a calibrated score Calibrate(r) = r²/(1+r²), 0.5
// at the member's threshold; the ensemble score is their maximum
// (combine: max) or their noisy-OR 1 - Π(1 - score) (combine: noisy_or).
// Members score every event they measure, also in their cooldowns; they
// score nothing in their warm-ups.
//
// It is the default detector of `pricewatch detect`, which writes the score
// of every event. In a lane it can also emit rows (enabled, default off):
// one row when the score is above threshold, with Attribute, Observed and
// Expected from the member with the highest score, Threshold the ensemble
// threshold and Score (score - threshold)/(1 - threshold).
type EnsembleConfig struct {
	// Enabled makes the ensemble emit rows. Default false.
	Enabled bool `yaml:"enabled"`
	// Members are the detectors combined, among jump, zscore, limit_band,
	// sequence, invalid, ewma, cusum, page_hinkley and mad; members that
	// are not enabled are left out. Default [] (every enabled one).
	Members []string `yaml:"members"`
	// Combine is "max" or "noisy_or". Default "max".
	Combine string `yaml:"combine"`
	// Threshold is the ensemble score flagged, in (0, 1). Default 0.5: with
	// max, an event some member finds past its threshold.
	Threshold float64 `yaml:"threshold"`
	// Cooldown is how many events of the instrument after a flag are not
	// flagged, >= 0. Default 0.
	Cooldown int `yaml:"cooldown"`
}

func defaultEnsemble() EnsembleConfig {
	return EnsembleConfig{Combine: "max", Threshold: 0.5}
}

// ensembleMembers are the detectors the ensemble can combine.
var ensembleMembers = []string{"jump", "zscore", "limit_band", "sequence", "invalid", "ewma", "cusum", "page_hinkley", "mad"}

func (c *EnsembleConfig) validate(v *validator, key string) {
	for i, m := range c.Members {
		if !hasName(ensembleMembers, m) || hasName(c.Members[:i], m) {
			v.fail(key+".members", m, "want per-event detectors (jump, zscore, limit_band, sequence, invalid, ewma, cusum, page_hinkley, mad), each once")
		}
	}
	if c.Combine != "max" && c.Combine != "noisy_or" {
		v.fail(key+".combine", c.Combine, `want "max" or "noisy_or"`)
	}
	if !(c.Threshold > 0 && c.Threshold < 1) {
		v.fail(key+".threshold", c.Threshold, "want a number in (0, 1)")
	}
	v.cooldown(key+".cooldown", c.Cooldown)
}

// ensemble is the ensemble detector.
type ensemble struct {
	cfgs     []EnsembleConfig
	combiner string
	members  []*lvl
	names    []string
	cool     []int32 // per instrument
	buf      []byte
}

// newEnsemble combines the scorers among dets that are members.
func newEnsemble(ps []Params, dets []detector) *ensemble {
	e := &ensemble{cfgs: each(ps, func(p *Params) EnsembleConfig { return p.Ensemble }), combiner: ps[0].Ensemble.Combine}
	want := ps[0].Ensemble.Members
	for _, d := range dets {
		sc, ok := d.(scorer)
		if ok && (len(want) == 0 || hasName(want, d.name())) {
			e.members = append(e.members, sc.level())
			e.names = append(e.names, d.name())
		}
	}
	return e
}

func (e *ensemble) name() string                  { return "ensemble" }
func (e *ensemble) add(string, int32)             { e.cool = append(e.cool, 0) }
func (e *ensemble) stateBytes() int               { return cap(e.cool) * int(unsafe.Sizeof(int32(0))) }
func (e *ensemble) save(b []byte) ([]byte, error) { return appendGob(b, &e.cool) }

func (e *ensemble) load(b []byte, ids []string, _ []int32) error {
	cool := make([]int32, len(ids))
	if b != nil {
		cool = nil
		if err := decodeGob(b, &cool); err != nil {
			return err
		}
		if cool == nil { // an empty slice comes back nil
			cool = make([]int32, len(ids))
		}
	}
	if len(cool) != len(ids) {
		return checkSeries(len(cool), len(ids), "ensemble states")
	}
	e.cool = cool
	return nil
}

// combine returns the ensemble score of the latest event and the member
// with the highest score (-1 for none).
func (e *ensemble) combine(how string) (float64, int) {
	top, best, rest := -1, 0.0, 1.0
	for i, m := range e.members {
		s := Calibrate(m.R)
		if s > best {
			top, best = i, s
		}
		rest *= 1 - s
	}
	if how == "noisy_or" {
		return 1 - rest, top
	}
	return best, top
}

func (e *ensemble) observe(ix, g int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
	c := &e.cfgs[g]
	if !c.Enabled {
		return out
	}
	score, top := e.combine(e.combiner)
	if e.cool[ix] > 0 {
		e.cool[ix]--
		return out
	}
	if score > c.Threshold && top >= 0 {
		out = append(out, e.row(c, ev, score, top))
		e.cool[ix] = int32(c.Cooldown)
	}
	return out
}

// row builds the finding, e.g. reason "price 108 (expected 100 by jump):
// ensemble score 0.97 (max) of jump 0.93, zscore 1, ewma 0.99; threshold
// 0.5". Members scoring below 0.01 are not listed.
func (e *ensemble) row(c *EnsembleConfig, ev *schemas.Event, score float64, top int) schemas.Anomaly {
	t := e.members[top]
	b := append(e.buf[:0], t.attr()...)
	b = append(b, ' ')
	b = appendNum(b, t.X)
	b = append(b, " (expected "...)
	b = appendNum(b, t.Exp)
	b = append(b, " by "...)
	b = append(b, e.names[top]...)
	b = append(b, "): ensemble score "...)
	b = appendFixed(b, math.Floor(score*100)/100, 2)
	b = append(b, " ("...)
	b = append(b, e.combiner...)
	b = append(b, ") of "...)
	first := true
	for i, m := range e.members {
		s := Calibrate(m.R)
		if s < 0.01 {
			continue
		}
		if !first {
			b = append(b, ", "...)
		}
		first = false
		b = append(b, e.names[i]...)
		b = append(b, ' ')
		b = appendFixed(b, math.Floor(s*100)/100, 2)
	}
	b = append(b, "; threshold "...)
	b = appendFixed(b, c.Threshold, 2)
	e.buf = b
	return eventAnomaly(ev, e.name(), t.attr(), t.X, t.Exp, c.Threshold,
		min(1, max(0, (score-c.Threshold)/(1-c.Threshold))), b)
}
