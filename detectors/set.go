package detectors

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"math"

	"pricewatch/ckpt"
	"pricewatch/schemas"
)

// detector is one check. The Set numbers instruments densely in order of
// first sight (ix) and tells every detector about each new one, so a
// detector keeps its per-instrument state in slices indexed by ix and the
// hot path does a single map lookup per event, in the Set. It also resolves
// each instrument's group once, on first sight: g is the index of the
// instrument's Params (0 for the top level, i+1 for Config.Groups[i]).
type detector interface {
	// name is the detector's config key and the Anomaly.Detector value.
	name() string
	// add makes room for instrument ix == number of instruments so far,
	// of group g.
	add(id string, g int32)
	// observe checks one event of instrument ix of group g; wm is the lane
	// watermark.
	observe(ix, g int32, ev *schemas.Event, wm int64, out []schemas.Anomaly) []schemas.Anomaly
	// save appends the detector's whole state to b.
	save(b []byte) ([]byte, error)
	// load replaces the state with a saved one; ids are the instruments
	// and grp their groups.
	load(b []byte, ids []string, grp []int32) error
	// stateBytes approximates the memory held.
	stateBytes() int
}

// scorer is a per-event detector that says how anomalous the latest event
// of its observe call looked to it, whether or not it emitted a row.
type scorer interface {
	level() *lvl
}

// lvl is how anomalous an event looked to a detector: R is its measure over
// its threshold (1 at the threshold, above 1 past it, 0 when it measured
// nothing), with the attribute (A, an index into Names), value and expected
// value behind it. Only R is reset for each event; the rest is meaningful
// when R > 0. Names is set once, so that noting writes no pointer.
type lvl struct {
	R, X, Exp float64
	A         int
	Names     []string
}

// note keeps the largest measure of an event, for attribute number a.
func (l *lvl) note(r float64, a int, x, exp float64) {
	if r > l.R {
		l.R, l.A, l.X, l.Exp = r, a, x, exp
	}
}

// noteScore notes a finding of a detector whose measure is discrete, by
// inverting its row score: score 1 - 1/r.
func (l *lvl) noteScore(score float64, a int, x, exp float64) {
	l.note(1/max(1-score, 0), a, x, exp)
}

// attr names the attribute behind R.
func (l *lvl) attr() string { return l.Names[l.A] }

// Calibrate maps a measure r over its threshold to a score in [0, 1]:
// r²/(1+r²), so 0.5 exactly at the threshold, 0.8 at twice it, 0.2 at half
// of it and 0 for nothing measured. It is the per-event score of
// Set.Scorer and the scale the ensemble combines.
func Calibrate(r float64) float64 {
	switch {
	case !(r > 0):
		return 0
	case r > 1e8:
		return 1
	}
	r2 := r * r
	return r2 / (1 + r2)
}

// barDetector is a detector that checks closed window bars.
type barDetector interface {
	detector
	// observeBar checks one closed window bar of instrument ix of group g.
	observeBar(ix, g int32, bar *schemas.WindowBar, out []schemas.Anomaly) []schemas.Anomaly
	// flushBars evaluates whatever bars it holds back.
	flushBars(out []schemas.Anomaly) []schemas.Anomaly
}

// Set is every enabled detector of one lane, in a fixed order: the order of
// the Params fields (jump, zscore, limit_band, sequence, invalid, ewma,
// stale, cusum, page_hinkley, mad, burst, cross_section, ensemble).
// Findings of one event come in that order.
//
// A Set is not safe for concurrent use: each lane owns one.
type Set struct {
	cfg    Config
	params []Params
	match  groupMatcher
	dets   []detector    // every enabled detector, in order
	evDets []detector    // those that check events
	bars   []barDetector // those that check window bars
	ens    *ensemble     // always built, for Scorer; in dets when enabled
	index  map[string]int32
	bySym  schemas.SymIndex // Event.Sym -> instrument number
	ids    []string
	grp    []int32 // the Params index of each instrument
	hot    int32   // the instrument of the previous event, -1 for none
	// ckptSize is the size of the last checkpoint, to size the next one.
	ckptSize int
}

// NewSet validates c and returns a Set of its enabled detectors (those
// enabled at the top level or in some group).
func NewSet(c Config) (*Set, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.clone()
	s := &Set{cfg: c, params: c.params(), match: newGroupMatcher(c.Groups), index: make(map[string]int32), hot: -1}
	s.build()
	return s, nil
}

// enabled reports whether a detector is on at the top level or in a group.
func enabled(ps []Params, on func(p *Params) bool) bool {
	for i := range ps {
		if on(&ps[i]) {
			return true
		}
	}
	return false
}

// each returns one section per Params.
func each[T any](ps []Params, f func(p *Params) T) []T {
	out := make([]T, len(ps))
	for i := range ps {
		out[i] = f(&ps[i])
	}
	return out
}

// build makes the enabled detectors, in Set order, with empty state.
func (s *Set) build() {
	ps := s.params
	var ds []detector
	add := func(on func(p *Params) bool, d func() detector) {
		if enabled(ps, on) {
			ds = append(ds, d())
		}
	}
	add(func(p *Params) bool { return p.Jump.Enabled }, func() detector { return newJump(ps) })
	add(func(p *Params) bool { return p.ZScore.Enabled }, func() detector { return newZScore(ps) })
	add(func(p *Params) bool { return p.LimitBand.Enabled }, func() detector { return newLimitBand(ps) })
	add(func(p *Params) bool { return p.VI.Enabled }, func() detector { return newVI(ps) })
	add(func(p *Params) bool { return p.Sequence.Enabled }, func() detector { return newSequence(ps) })
	add(func(p *Params) bool { return p.Invalid.Enabled }, func() detector { return newInvalid(ps) })
	add(func(p *Params) bool { return p.EWMA.Enabled }, func() detector { return newEWMA(ps) })
	add(func(p *Params) bool { return p.Stale.Enabled }, func() detector { return newStale(ps) })
	add(func(p *Params) bool { return p.CUSUM.Enabled }, func() detector { return newCUSUM(ps) })
	add(func(p *Params) bool { return p.PageHinkley.Enabled }, func() detector { return newPageHinkley(ps) })
	add(func(p *Params) bool { return p.MAD.Enabled }, func() detector { return newMAD(ps) })
	add(func(p *Params) bool { return p.Burst.Enabled }, func() detector { return newBurst(ps) })
	add(func(p *Params) bool { return p.CrossSection.Enabled }, func() detector { return newCrossSection(ps, s.groupNames()) })
	s.ens = newEnsemble(ps, ds)
	if enabled(ps, func(p *Params) bool { return p.Ensemble.Enabled }) {
		ds = append(ds, s.ens)
	}
	s.dets, s.evDets, s.bars = ds, nil, nil
	for _, d := range ds {
		if b, ok := d.(barDetector); ok {
			s.bars = append(s.bars, b)
		} else {
			s.evDets = append(s.evDets, d)
		}
	}
}

// groupNames returns the name of each Params index ("" for the top level).
func (s *Set) groupNames() []string {
	names := []string{""}
	for _, g := range s.cfg.Groups {
		names = append(names, g.Name)
	}
	return names
}

// Detectors returns the names of the enabled detectors, in order.
func (s *Set) Detectors() []string {
	names := make([]string, len(s.dets))
	for i, d := range s.dets {
		names[i] = d.name()
	}
	return names
}

// Observe checks one event and appends findings to out. wm is the lane's
// watermark after this event. It allocates only on an instrument's first
// event and when a finding is emitted.
func (s *Set) Observe(ev *schemas.Event, wm int64, out []schemas.Anomaly) []schemas.Anomaly {
	ix, ok := s.bySym.Get(ev)
	if !ok {
		ix = s.lookup(ev.InstrumentID)
		s.bySym.Put(ev, ix)
	}
	g := s.grp[ix]
	for _, d := range s.evDets {
		out = d.observe(ix, g, ev, wm, out)
	}
	return out
}

// Heartbeat shows the detectors a heartbeat (schemas.OpHeartbeat): the lane
// watermark moved to wm without an instrument's event. Only stale watches the
// clock, so only it acts: it flags the instruments whose deadline the
// watermark passed, as a quiet partition's heartbeats reveal them.
func (s *Set) Heartbeat(ev *schemas.Event, wm int64, out []schemas.Anomaly) []schemas.Anomaly {
	for _, d := range s.evDets {
		if st, ok := d.(*stale); ok {
			out = st.observe(-1, 0, ev, wm, out) // a heartbeat is no upsert or delete: the sweep only
		}
	}
	return out
}

// lookup returns the number of an instrument, adding it on first sight.
func (s *Set) lookup(id string) int32 {
	ix := s.hot
	if ix < 0 || s.ids[ix] != id { // events often come in runs
		var ok bool
		if ix, ok = s.index[id]; !ok {
			ix = s.addInstrument(id)
		}
		s.hot = ix
	}
	return ix
}

func (s *Set) addInstrument(id string) int32 {
	ix := int32(len(s.ids))
	g := s.match.match(id)
	s.index[id] = ix
	s.ids = append(s.ids, id)
	s.grp = append(s.grp, g)
	for _, d := range s.dets {
		d.add(id, g)
	}
	return ix
}

// ObserveBar checks one window bar with the window-level detectors (burst
// and cross_section) and appends findings to out. The lane shows it every
// bar the window engine emits, in the engine's order; only final results
// (Revision 0, not Early) of tumbling and hopping windows are used.
//
// cross_section compares the instruments of one window, so it holds bars
// back until the window's bars are all in: it evaluates them when a bar of
// a later window arrives or when FlushBars is called. Its findings carry
// the source partition and offset of their bar, so they are the same rows
// wherever the evaluation happens.
func (s *Set) ObserveBar(bar *schemas.WindowBar, out []schemas.Anomaly) []schemas.Anomaly {
	if len(s.bars) == 0 {
		return out
	}
	ix := s.lookup(bar.InstrumentID)
	g := s.grp[ix]
	for _, b := range s.bars {
		out = b.observeBar(ix, g, bar, out)
	}
	return out
}

// FlushBars evaluates the bars the window-level detectors hold back and
// appends the findings to out. The window engine emits all bars of a window
// end in one Process or Flush call, so the pipeline calls FlushBars after it
// has shown ObserveBar all bars of one event (and after the end-of-input
// flush); calling it only at epoch end or before a checkpoint gives the
// same rows, later. Held-back bars are part of the checkpoint, so a restore
// between the two loses nothing.
func (s *Set) FlushBars(out []schemas.Anomaly) []schemas.Anomaly {
	for _, b := range s.bars {
		out = b.flushBars(out)
	}
	return out
}

// Scorer returns a function that gives, after each Observe call, the score
// in [0, 1] of the event by the named per-event detector, or by the
// ensemble of them (name "ensemble", enabled or not): Calibrate of the
// detector's measure over its threshold, so 0.5 at the threshold, whether
// or not a row was emitted (cooldowns do not lower scores; warm-ups do: no
// baseline, no score). The detector must be enabled, and be one that checks
// events (not stale, burst or cross_section).
func (s *Set) Scorer(name string) (func() float64, error) {
	if name == "ensemble" {
		e := s.ens
		if len(e.members) == 0 {
			return nil, fmt.Errorf("detectors: the ensemble has no enabled member")
		}
		return func() float64 { v, _ := e.combine(e.combiner); return v }, nil
	}
	for _, d := range s.evDets {
		if d.name() != name {
			continue
		}
		sc, ok := d.(scorer)
		if !ok {
			break
		}
		lv := sc.level()
		return func() float64 { return Calibrate(lv.R) }, nil
	}
	return nil, fmt.Errorf("detectors: %q is not an enabled per-event detector", name)
}

// StateBytes approximates the bytes of state held by the set.
func (s *Set) StateBytes() int {
	n := 0
	for _, id := range s.ids {
		n += len(id) + 52 // map slot, ids and grp slots and string header
	}
	for _, d := range s.dets {
		n += d.stateBytes()
	}
	return n
}

// snapshotVersion is the checkpoint format; bump it on incompatible change.
// 2: cooldowns in the jump, limit_band, sequence, cusum and page_hinkley
// state; burst, cross_section and ensemble.
const snapshotVersion = 2

// setSnapshot is the checkpoint of a Set as read.
type setSnapshot struct {
	Version   int
	IDs       []string
	Detectors []detectorSnapshot
}

type detectorSnapshot struct {
	Name  string
	State []byte
}

// MarshalBinary returns the whole state of the set for a checkpoint.
func (s *Set) MarshalBinary() ([]byte, error) {
	return s.AppendBinary(make([]byte, 0, s.ckptSize+s.ckptSize/8+1024))
}

// AppendBinary appends the checkpoint of MarshalBinary to b.
func (s *Set) AppendBinary(b []byte) ([]byte, error) {
	from := len(b)
	b = append(b, setMagic...)
	b = binary.AppendUvarint(b, snapshotVersion)
	b = binary.AppendUvarint(b, uint64(len(s.ids)))
	for _, id := range s.ids {
		b = ckpt.AppendString(b, id)
	}
	b = binary.AppendUvarint(b, uint64(len(s.dets)))
	for _, d := range s.dets {
		b = ckpt.AppendString(b, d.name())
		at := len(b) // the state's length goes here, in a fixed 8 bytes
		b = binary.LittleEndian.AppendUint64(b, 0)
		var err error
		if b, err = d.save(b); err != nil {
			return nil, fmt.Errorf("detectors: save %s: %w", d.name(), err)
		}
		binary.LittleEndian.PutUint64(b[at:], uint64(len(b)-at-8))
	}
	s.ckptSize = len(b) - from
	return b, nil
}

// setMagic starts a Set's checkpoint: the snapshot version, the instrument
// ids, then each detector's name and state. (Checkpoints of earlier
// versions are a gob of setSnapshot.)
const setMagic = "PWS1"

// readSnapshot reads a checkpoint of MarshalBinary, or the gob of an earlier
// version.
func readSnapshot(b []byte) (setSnapshot, error) {
	var snap setSnapshot
	if len(b) < len(setMagic) || string(b[:len(setMagic)]) != setMagic {
		err := decodeGob(b, &snap)
		return snap, err
	}
	d := ckpt.NewDecoder(b, len(setMagic), "detectors checkpoint")
	snap.Version = int(min(d.Uvarint(), 1<<30))
	snap.IDs = make([]string, d.Count(1))
	for i := range snap.IDs {
		snap.IDs[i] = d.String()
	}
	snap.Detectors = make([]detectorSnapshot, d.Count(1))
	for i := range snap.Detectors {
		ds := &snap.Detectors[i]
		ds.Name = d.String()
		if n := d.Uint64(); n > uint64(d.Left()) {
			d.Fail("a detector's state beyond the end")
		} else if n > 0 {
			ds.State = d.Bytes(int(n))
		}
	}
	return snap, d.End()
}

// UnmarshalBinary replaces the state of the set with a checkpoint taken by
// MarshalBinary. The set's own config rules: a detector enabled now but not
// in the checkpoint starts empty, one in the checkpoint but not enabled is
// dropped, attributes are matched by name, and instruments are matched to
// the groups of the current config. With an unchanged config, restoring and
// continuing gives exactly the rows of an uninterrupted run. On error the
// set keeps its state.
func (s *Set) UnmarshalBinary(b []byte) error {
	snap, err := readSnapshot(b)
	if err != nil {
		return fmt.Errorf("detectors: read checkpoint: %w", err)
	}
	if snap.Version != snapshotVersion {
		return fmt.Errorf("detectors: checkpoint version %d; want %d", snap.Version, snapshotVersion)
	}
	index := make(map[string]int32, len(snap.IDs))
	grp := make([]int32, len(snap.IDs))
	for i, id := range snap.IDs {
		if _, dup := index[id]; dup {
			return fmt.Errorf("detectors: checkpoint lists instrument %q twice", id)
		}
		index[id] = int32(i)
		grp[i] = s.match.match(id)
	}
	old := *s
	s.build()
	for _, d := range s.dets {
		var state []byte
		for _, ds := range snap.Detectors {
			if ds.Name == d.name() {
				state = ds.State
			}
		}
		if err := d.load(state, snap.IDs, grp); err != nil {
			*s = old
			return fmt.Errorf("detectors: restore %s: %w", d.name(), err)
		}
	}
	s.index, s.ids, s.grp, s.hot = index, snap.IDs, grp, -1
	s.bySym.Reset()
	return nil
}

func encodeGob(v any) ([]byte, error) { return appendGob(nil, v) }

// appendGob appends the gob of v to b.
func appendGob(b []byte, v any) ([]byte, error) {
	buf := bytes.NewBuffer(b)
	if err := gob.NewEncoder(buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decodeGob(b []byte, v any) error {
	return gob.NewDecoder(bytes.NewReader(b)).Decode(v)
}

// ret is the change from prev to x that the return-based detectors score:
// the log return ln(x/prev), or with diff the difference x - prev. It is
// false when undefined (x not positive for a log return) or not finite.
func ret(x, prev float64, diff bool) (float64, bool) {
	if diff {
		r := x - prev
		return r, finite(r)
	}
	if !(x > 0) {
		return 0, false
	}
	r := math.Log(x / prev)
	return r, finite(r)
}
