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
}

func (c *SequenceConfig) validate(v *validator, key string) {
	if c.MaxGap < 0 || c.MaxGap > 1<<53 {
		v.fail(key+".max_gap", c.MaxGap, "want an integer from 0 to 2^53")
	}
}

// seqState is the sequence state of one instrument.
type seqState struct {
	High    int64 // highest seq seen
	Resume  int64 // seq that means "numbering restarted", after a regression
	Has     bool
	Resumes bool // Resume is set
}

// sequence is the sequence detector. Duplicates and regressions score 1; a
// gap of m missing scores 1 - (max_gap+1)/(m+1).
type sequence struct {
	maxGap int64
	tab    table[seqState] // one row per instrument
	buf    []byte
}

func newSequence(c SequenceConfig) *sequence {
	return &sequence{maxGap: c.MaxGap, tab: newTable[seqState]([]string{"seq"})}
}

func (d *sequence) name() string                      { return "sequence" }
func (d *sequence) add(string)                        { d.tab.add() }
func (d *sequence) save() ([]byte, error)             { return d.tab.save() }
func (d *sequence) load(b []byte, ids []string) error { return d.tab.load(b, ids) }
func (d *sequence) stateBytes() int                   { return d.tab.bytes() }

// Kinds of sequence findings.
const (
	seqGap = iota
	seqDuplicate
	seqRegression
)

func (d *sequence) observe(ix int32, ev *schemas.Event, _ int64, out []schemas.Anomaly) []schemas.Anomaly {
	if !ev.HasSeq {
		return out
	}
	st := d.tab.at(ix, 0)
	seq, resumes := ev.Seq, st.Resumes && ev.Seq == st.Resume
	st.Resumes = false
	switch {
	case !st.Has || resumes:
		st.High, st.Has = seq, true
	case seq == st.High:
		out = append(out, d.row(ev, st.High, seqDuplicate, 1))
	case seq < st.High:
		out = append(out, d.row(ev, st.High, seqRegression, 1))
		st.Resume, st.Resumes = seq+1, true
	default:
		if missing := seq - st.High - 1; missing > d.maxGap {
			score := 1 - float64(d.maxGap+1)/float64(missing+1)
			out = append(out, d.row(ev, st.High, seqGap, score))
		}
		st.High = seq
	}
	return out
}

// row builds the finding; the reason is one of
// "seq 105 after 100: 4 missing; max gap 0", "seq 100 repeats the previous seq"
// or "seq 90 is below the highest seq seen 100".
func (d *sequence) row(ev *schemas.Event, high int64, kind int, score float64) schemas.Anomaly {
	b := append(d.buf[:0], "seq "...)
	b = appendInt(b, ev.Seq)
	switch kind {
	case seqGap:
		b = append(b, " after "...)
		b = appendInt(b, high)
		b = append(b, ": "...)
		b = appendInt(b, ev.Seq-high-1)
		b = append(b, " missing; max gap "...)
		b = appendInt(b, d.maxGap)
	case seqDuplicate:
		b = append(b, " repeats the previous seq"...)
	case seqRegression:
		b = append(b, " is below the highest seq seen "...)
		b = appendInt(b, high)
	}
	d.buf = b
	return schemas.Anomaly{
		InstrumentID: ev.InstrumentID,
		EventTime:    ev.EventTime,
		Detector:     d.name(),
		Attribute:    "seq",
		Observed:     float64(ev.Seq),
		Expected:     float64(high + 1),
		Threshold:    float64(d.maxGap),
		Score:        score,
		Reason:       string(b),
		SrcPartition: ev.Partition,
		SrcOffset:    ev.Offset,
	}
}
