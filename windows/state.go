package windows

import (
	"bytes"
	"cmp"
	"encoding/gob"
	"fmt"
	"math"
	"unsafe"
)

// snapshotVersion is bumped whenever the snapshot layout changes.
const snapshotVersion = 1

// snapshot is the full state of an Engine in a canonical order, so equal
// states marshal to equal bytes: the binary form of state_codec.go writes it
// field by field, and earlier versions wrote it with gob (still read).
type snapshot struct {
	Version     int
	Config      string // fingerprint of the state-shaping parts of the Spec
	Seen        bool
	MaxSeen     int64
	Watermark   int64
	EarlyNext   int64
	Stamp       uint32
	Instruments []string // in interning order
	PaneSets    []paneSetSnap
	Sessions    [][]sessSnap
}

type paneSetSnap struct {
	CloseC, PurgeW int64
	Panes          []paneSnap // by (Slot, K)
}

type paneSnap struct {
	Slot  int32
	K     int64
	A     agg
	Touch uint32
	WRev  int32
	WLate int32
}

type sessSnap struct { // by (Slot, A.First)
	Slot   int32
	A      agg
	Rev    int32
	Late   int64
	Touch  uint32
	Closed bool
}

// fingerprint names what a checkpoint's layout depends on.
func (s *Spec) fingerprint() string {
	return fmt.Sprintf("%q %q %q %v %v %v", s.Attributes, s.VolumeAttribute, s.Timezone, s.Tumbling, s.Hopping, s.Session)
}

// MarshalBinary returns the engine's full state for a checkpoint (see
// state_codec.go). Restoring it into an engine made from the same Spec and
// continuing gives the same output as an uninterrupted run.
func (e *Engine) MarshalBinary() ([]byte, error) {
	return e.AppendBinary(make([]byte, 0, e.ckptSize+e.ckptSize/8+1024))
}

// UnmarshalBinary replaces the engine's state with a checkpoint taken by
// MarshalBinary (or by the gob form of earlier versions) from an engine with
// the same attributes, timezone and windows. A damaged checkpoint is an
// error.
func (e *Engine) UnmarshalBinary(data []byte) error {
	snap, err := readSnapshot(data)
	if err != nil {
		return err
	}
	if snap.Version != snapshotVersion {
		return fmt.Errorf("windows: checkpoint version %d, want %d", snap.Version, snapshotVersion)
	}
	if want := e.spec.fingerprint(); snap.Config != want {
		return fmt.Errorf("windows: checkpoint was taken with windows config %s; this engine has %s", snap.Config, want)
	}
	if len(snap.PaneSets) != len(e.panes) || len(snap.Sessions) != len(e.sess) {
		return fmt.Errorf("windows: checkpoint holds %d+%d window specs, want %d+%d",
			len(snap.PaneSets), len(snap.Sessions), len(e.panes), len(e.sess))
	}
	fresh, err := NewEngine(e.spec)
	if err != nil {
		return err
	}
	*e = *fresh
	return e.restore(snap)
}

// readSnapshot decodes a checkpoint of either form.
func readSnapshot(data []byte) (*snapshot, error) {
	if bytes.HasPrefix(data, []byte(stateMagic)) {
		return decodeSnapshot(data)
	}
	var snap snapshot
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&snap); err != nil {
		return nil, fmt.Errorf("windows: decode checkpoint: %w", err)
	}
	return &snap, nil
}

func (e *Engine) restore(snap *snapshot) error {
	e.seen, e.maxSeen, e.wm = snap.Seen, snap.MaxSeen, snap.Watermark
	e.earlyNext, e.stamp = snap.EarlyNext, snap.Stamp
	for _, id := range snap.Instruments {
		e.intern(id)
	}
	limit := int32(len(e.in.Strings())) * e.nA
	for i, ps := range e.panes {
		if err := ps.restore(&snap.PaneSets[i], e.stamp, limit, snap.Seen, snap.MaxSeen); err != nil {
			return err
		}
	}
	for i, st := range e.sess {
		if err := st.restore(e, snap.Sessions[i], limit); err != nil {
			return err
		}
	}
	e.next = e.nextAt()
	return nil
}

// maxRingSpan bounds the pane indices a restored pane set spans (a damaged
// checkpoint must not make the ring allocate without bound). A live set spans
// (out-of-orderness + allowed lateness) / slide + size / slide panes.
const maxRingSpan = 1 << 24

func (ps *paneSet) restore(s *paneSetSnap, stamp uint32, limit int32, seen bool, maxSeen int64) error {
	ps.closeC, ps.purgeW = s.CloseC, s.PurgeW
	ps.panes = make([]pane, 0, len(s.Panes))
	if len(s.Panes) > 0 && (!seen || maxSeen < minTime || maxSeen > maxTime) {
		return fmt.Errorf("windows: checkpoint has panes but no valid clock (%d)", maxSeen)
	}
	hi := ps.g.index(max(minTime, min(maxSeen, maxTime))) // no pane is newer than the lane's newest event
	for _, p := range s.Panes {
		if p.Slot < 0 || p.Slot >= limit || p.K > hi || p.K <= hi-maxRingSpan ||
			(s.PurgeW != math.MinInt64 && p.K < s.PurgeW-ps.n+1) {
			return fmt.Errorf("windows: checkpoint pane (%d, %d) is out of range", p.Slot, p.K)
		}
		i := ps.pane(p.Slot, p.K)
		q := &ps.panes[i]
		q.agg, q.touch, q.wrev, q.wlate = p.A, p.Touch, p.WRev, p.WLate
		if q.touch == stamp {
			ps.touched = append(ps.touched, i)
		}
	}
	return nil
}

func (st *sessSet) restore(e *Engine, list []sessSnap, limit int32) error {
	stamp := e.stamp
	st.ss = make([]sess, 0, len(list))
	last := int32(-1)
	for k, s := range list {
		if s.Slot < 0 || s.Slot >= limit || s.A.N == 0 ||
			(k > 0 && cmp.Or(cmp.Compare(list[k-1].Slot, s.Slot), cmp.Compare(list[k-1].A.First, s.A.First)) >= 0) {
			return fmt.Errorf("windows: checkpoint session %d is malformed", k)
		}
		i := st.alloc(s.Slot)
		if k > 0 && list[k-1].Slot == s.Slot {
			st.ss[last].next = i
		} else {
			st.head[s.Slot] = i
		}
		last = i
		x := &st.ss[i]
		x.agg, x.rev, x.late, x.touch, x.closed = s.A, s.Rev, s.Late, s.Touch, s.Closed
		end := x.Last + st.gap
		if x.closed {
			st.push(e, end+st.lateness, i)
		} else {
			st.nopen++
			st.push(e, end, i)
		}
		if x.touch == stamp {
			st.touched = append(st.touched, i)
		}
	}
	return nil
}

// OpenWindows returns the number of windows that hold data and have not
// closed yet (hopping windows sharing panes count once each).
func (e *Engine) OpenWindows() int {
	n := 0
	for _, ps := range e.panes {
		n += ps.open()
	}
	for _, st := range e.sess {
		n += st.nopen
	}
	return n
}

// StateBytes estimates the bytes of live window state: panes and sessions in
// use (closed ones kept for lateness included), per-slot indexes, schedules
// and the instrument id tables. Pool capacity left free is not counted.
func (e *Engine) StateBytes() int {
	n := e.in.SizeBytes() + e.bySym.Bytes()
	for _, ps := range e.panes {
		n += ps.live*int(unsafe.Sizeof(pane{})) + 12*len(ps.head) + 4*int(ps.ring.n)
	}
	for _, st := range e.sess {
		live := len(st.ss) - len(st.free)
		n += live*int(unsafe.Sizeof(sess{})) + 4*len(st.head) + len(st.heap)*int(unsafe.Sizeof(hent{}))
	}
	return n
}
