package detectors

import (
	"pricewatch/schemas"
)

// SequenceConfig is the `sequence` detector: Event.Seq of an instrument's
// events (those with HasSeq, of any op) should go up by one. It flags gaps,
// duplicates and regressions (a seq below the highest seen). After a
// regression, when the next seq follows the regressed one, the feed is
// taken to have restarted its numbering and it is followed from there
// without a second finding; otherwise the highest seq seen stays the
// reference, so one stray old message gives one finding.
//
// Findings have Attribute "seq", Observed the seq, Expected the one wanted
// (highest + 1) and Threshold max_gap.
type SequenceConfig struct {
	// Enabled turns the detector on. Default true.
	Enabled bool `yaml:"enabled"`
	// MaxGap is how many missing numbers a gap may have without a finding,
	// 0 to 2^53. Default 0: every gap is flagged.
	MaxGap int64 `yaml:"max_gap"`
	// Cooldown is how many sequenced events of the instrument after a
	// finding give no finding, >= 0 (they still move the reference).
	// Default 0.
	Cooldown int `yaml:"cooldown"`
}

func (c *SequenceConfig) validate(v *validator, key string) {
	if c.MaxGap < 0 || c.MaxGap > 1<<53 {
		v.fail(key+".max_gap", c.MaxGap, "want an integer from 0 to 2^53")
	}
	v.cooldown(key+".cooldown", c.Cooldown)
}

// seqState is the sequence state of one instrument.
type seqState struct {
	High    int64 // highest seq seen
	Resume  int64 // seq that means "numbering restarted", after a regression
	Has     bool
	Resumes bool  // Resume is set
	Cool    int32 // sequenced events left in the cooldown
}

// sequence is the sequence detector. Duplicates and regressions score 1; a
// gap of m missing scores 1 - (max_gap+1)/(m+1).
type sequence struct {
	cfgs []SequenceConfig
	tab  table[seqState] // one row per instrument
	lv   lvl
	buf  []byte
}

func newSequence(ps []Params) *sequence {
	d := &sequence{
		cfgs: each(ps, func(p *Params) SequenceConfig { return p.Sequence }),
		tab:  newTable[seqState]([]string{"seq"}),
	}
	d.lv.Names = d.tab.attrs
	return d
}

func (d *sequence) name() string                                 { return "sequence" }
func (d *sequence) add(string, int32)                            { d.tab.add() }
func (d *sequence) save(b []byte) ([]byte, error)                { return d.tab.save(b) }
func (d *sequence) load(b []byte, ids []string, _ []int32) error { return d.tab.load(b, ids) }
func (d *sequence) stateBytes() int                              { return d.tab.bytes() }
func (d *sequence) level() *lvl                                  { return &d.lv }

// Kinds of sequence findings.
const (
	seqGap = iota
	seqDuplicate
	seqRegression
)

func (d *sequence) observe(ix, g int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
	d.lv.R = 0
	c := &d.cfgs[g]
	if !ev.HasSeq || !c.Enabled {
		return out
	}
	st := d.tab.at(ix, 0)
	seq, resumes := ev.Seq, st.Resumes && ev.Seq == st.Resume
	st.Resumes = false
	kind, score, high := -1, 0.0, st.High
	switch {
	case !st.Has || resumes:
		st.High, st.Has = seq, true
	case seq == st.High:
		kind, score = seqDuplicate, 1
	case seq < st.High:
		kind, score = seqRegression, 1
		st.Resume, st.Resumes = seq+1, true
	default:
		if missing := seq - st.High - 1; missing > c.MaxGap {
			kind, score = seqGap, 1-float64(c.MaxGap+1)/float64(missing+1)
		}
		st.High = seq
	}
	switch {
	case kind < 0:
		if st.Cool > 0 {
			st.Cool--
		}
	case st.Cool > 0:
		d.lv.noteScore(score, 0, float64(seq), float64(high+1))
		st.Cool--
	default:
		d.lv.noteScore(score, 0, float64(seq), float64(high+1))
		out = append(out, d.row(c, ev, high, kind, score))
		st.Cool = int32(c.Cooldown)
	}
	return out
}

// row builds the finding; the reason is one of
// "seq 105 after 100: 4 missing; max gap 0", "seq 100 repeats the previous seq"
// or "seq 90 is below the highest seq seen 100".
func (d *sequence) row(c *SequenceConfig, ev *schemas.Event, high int64, kind int, score float64) schemas.Anomaly {
	b := append(d.buf[:0], "seq "...)
	b = appendInt(b, ev.Seq)
	switch kind {
	case seqGap:
		b = append(b, " after "...)
		b = appendInt(b, high)
		b = append(b, ": "...)
		b = appendInt(b, ev.Seq-high-1)
		b = append(b, " missing; max gap "...)
		b = appendInt(b, c.MaxGap)
	case seqDuplicate:
		b = append(b, " repeats the previous seq"...)
	case seqRegression:
		b = append(b, " is below the highest seq seen "...)
		b = appendInt(b, high)
	}
	d.buf = b
	return eventAnomaly(ev, d.name(), "seq", float64(ev.Seq), float64(high+1), float64(c.MaxGap),
		score, b)
}
