package detectors

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"pricewatch/schemas"
)

// detector is one check. The Set numbers instruments densely in order of
// first sight (ix) and tells every detector about each new one, so a
// detector keeps its per-instrument state in slices indexed by ix and the
// hot path does a single map lookup per event, in the Set.
type detector interface {
	// name is the detector's config key and the Anomaly.Detector value.
	name() string
	// add makes room for instrument ix == number of instruments so far.
	add(id string)
	// observe checks one event of instrument ix; wm is the lane watermark.
	observe(ix int32, ev *schemas.Event, wm int64, out []schemas.Anomaly) []schemas.Anomaly
	// save returns the detector's whole state.
	save() ([]byte, error)
	// load replaces the state with a saved one; ids are the instruments.
	load(b []byte, ids []string) error
	// stateBytes approximates the memory held.
	stateBytes() int
}

// barDetector is a detector that also checks closed window bars.
type barDetector interface {
	observeBar(bar *schemas.WindowBar, out []schemas.Anomaly) []schemas.Anomaly
}

// Set is every enabled detector of one lane, in a fixed order: the order of
// the Config fields (jump, zscore, limit_band, sequence, invalid, ewma,
// stale, cusum, page_hinkley, mad). Findings of one event come in that order.
//
// A Set is not safe for concurrent use: each lane owns one.
type Set struct {
	cfg   Config
	dets  []detector
	index map[string]int32
	ids   []string
	hot   int32 // the instrument of the previous event, -1 for none
}

// NewSet validates c and returns a Set of its enabled detectors.
func NewSet(c Config) (*Set, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.clone()
	return &Set{cfg: c, dets: build(c), index: make(map[string]int32), hot: -1}, nil
}

// build returns the enabled detectors of c, in Set order.
func build(c Config) []detector {
	var ds []detector
	add := func(on bool, d func() detector) {
		if on {
			ds = append(ds, d())
		}
	}
	add(c.Jump.Enabled, func() detector { return newJump(c.Jump) })
	add(c.ZScore.Enabled, func() detector { return newZScore(c.ZScore) })
	add(c.LimitBand.Enabled, func() detector { return newLimitBand(c.LimitBand) })
	add(c.Sequence.Enabled, func() detector { return newSequence(c.Sequence) })
	add(c.Invalid.Enabled, func() detector { return newInvalid(c.Invalid) })
	add(c.EWMA.Enabled, func() detector { return newEWMA(c.EWMA) })
	add(c.Stale.Enabled, func() detector { return newStale(c.Stale) })
	add(c.CUSUM.Enabled, func() detector { return newCUSUM(c.CUSUM) })
	add(c.PageHinkley.Enabled, func() detector { return newPageHinkley(c.PageHinkley) })
	add(c.MAD.Enabled, func() detector { return newMAD(c.MAD) })
	return ds
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
	ix := s.hot
	if ix < 0 || s.ids[ix] != ev.InstrumentID { // events often come in runs
		var ok bool
		if ix, ok = s.index[ev.InstrumentID]; !ok {
			ix = s.addInstrument(ev.InstrumentID)
		}
		s.hot = ix
	}
	for _, d := range s.dets {
		out = d.observe(ix, ev, wm, out)
	}
	return out
}

func (s *Set) addInstrument(id string) int32 {
	ix := int32(len(s.ids))
	s.index[id] = ix
	s.ids = append(s.ids, id)
	for _, d := range s.dets {
		d.add(id)
	}
	return ix
}

// ObserveBar checks one closed window bar with the window-level detectors
// and appends findings to out. No built-in detector works on bars yet, so
// it returns out unchanged.
func (s *Set) ObserveBar(bar *schemas.WindowBar, out []schemas.Anomaly) []schemas.Anomaly {
	for _, d := range s.dets {
		if b, ok := d.(barDetector); ok {
			out = b.observeBar(bar, out)
		}
	}
	return out
}

// StateBytes approximates the bytes of state held by the set.
func (s *Set) StateBytes() int {
	n := 0
	for _, id := range s.ids {
		n += len(id) + 48 // map slot, ids slot and string header
	}
	for _, d := range s.dets {
		n += d.stateBytes()
	}
	return n
}

// snapshotVersion is the checkpoint format; bump it on incompatible change.
const snapshotVersion = 1

// setSnapshot is the checkpoint of a Set. Its bytes are deterministic.
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
	snap := setSnapshot{Version: snapshotVersion, IDs: s.ids}
	for _, d := range s.dets {
		b, err := d.save()
		if err != nil {
			return nil, fmt.Errorf("detectors: save %s: %w", d.name(), err)
		}
		snap.Detectors = append(snap.Detectors, detectorSnapshot{Name: d.name(), State: b})
	}
	return encodeGob(&snap)
}

// UnmarshalBinary replaces the state of the set with a checkpoint taken by
// MarshalBinary. The set's own config rules: a detector enabled now but not
// in the checkpoint starts empty, one in the checkpoint but not enabled is
// dropped, and attributes are matched by name. With an unchanged config,
// restoring and continuing gives exactly the rows of an uninterrupted run.
// On error the set keeps its state.
func (s *Set) UnmarshalBinary(b []byte) error {
	var snap setSnapshot
	if err := decodeGob(b, &snap); err != nil {
		return fmt.Errorf("detectors: read checkpoint: %w", err)
	}
	if snap.Version != snapshotVersion {
		return fmt.Errorf("detectors: checkpoint version %d; want %d", snap.Version, snapshotVersion)
	}
	index := make(map[string]int32, len(snap.IDs))
	for i, id := range snap.IDs {
		if _, dup := index[id]; dup {
			return fmt.Errorf("detectors: checkpoint lists instrument %q twice", id)
		}
		index[id] = int32(i)
	}
	dets := build(s.cfg)
	for _, d := range dets {
		var state []byte
		for _, ds := range snap.Detectors {
			if ds.Name == d.name() {
				state = ds.State
			}
		}
		if err := d.load(state, snap.IDs); err != nil {
			return fmt.Errorf("detectors: restore %s: %w", d.name(), err)
		}
	}
	s.dets, s.index, s.ids, s.hot = dets, index, snap.IDs, -1
	return nil
}

func encodeGob(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decodeGob(b []byte, v any) error {
	return gob.NewDecoder(bytes.NewReader(b)).Decode(v)
}
