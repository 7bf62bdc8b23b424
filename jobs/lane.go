package jobs

import (
	"bytes"
	"context"
	"encoding"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"slices"
	"time"

	"pricewatch/detectors"
	"pricewatch/duckdb"
	"pricewatch/history"
	"pricewatch/kafka"
	"pricewatch/parquet"
	"pricewatch/schemas"
	"pricewatch/windows"
)

// lane processes the records of one partition in offset order: decode,
// windows, detectors, history. It collects the rows of the open epoch and
// commits them with its checkpoint. A lane is not safe for concurrent use.
type lane struct {
	job       *Job
	partition int32
	dec       *schemas.Decoder
	dbz       *schemas.DebeziumDecoder // set when source.format is debezium
	win       *windows.Engine
	det       *detectors.Set
	hist      *history.Interval
	lay       *history.Layouts // the history tables of history.tables
	stateSize int              // bytes of the last checkpointed state, to size the next
	wout      windows.Output
	ev        schemas.Event
	batch     *schemas.Batch
	spare     chan *schemas.Batch // the batch the sink gives back
	freeState chan []byte         // a state buffer the sink is done with, for the next checkpoint
	arch      *archive            // nil unless archive.enabled

	from int64 // first offset of the open epoch; -1 when none is open
	next int64 // the offset after the last one processed
	// silentUntil: records below it rebuild state only; their rows were
	// written by the partition's previous owner (see runner.adjust).
	silentUntil int64
	// flushedAt: the offset at which another member of a bounded run
	// flushed this partition's windows (see endMark); -1 when none.
	flushedAt int64
	// alertFrom: anomalies of records below it are already on the alert
	// topic; alerted: the anomalies of the batch published (or left out).
	alertFrom   int64
	alerted     int
	epochs      int64     // epochs committed so far
	records     int64     // records in the open epoch
	decodeFails int64     // records of the open epoch that did not decode
	clamped     int64     // events of the open epoch whose time windows.max_future clamped
	opened      time.Time // wall time the open epoch began (for epoch.interval only)
}

func (j *Job) newLane(partition int32) (*lane, error) {
	win, err := windows.NewEngine(j.cfg.Windows)
	if err != nil {
		return nil, err
	}
	det, err := detectors.NewSet(j.cfg.Detectors)
	if err != nil {
		return nil, err
	}
	lay, err := history.NewLayouts(j.cfg.History)
	if err != nil {
		return nil, err
	}
	l := &lane{
		job: j, partition: partition, dec: j.newDecoder(), win: win, det: det, lay: lay,
		hist: history.NewInterval(j.cfg.History), from: -1, flushedAt: -1,
		batch: &schemas.Batch{}, spare: make(chan *schemas.Batch, 1), freeState: make(chan []byte, 1),
	}
	l.spare <- &schemas.Batch{}
	if j.cfg.Archive.Enabled {
		l.arch = &archive{}
	}
	if j.cfg.Source.Format == FormatDebezium {
		if l.dbz, err = schemas.NewDebeziumDecoder(j.cfg.Source.Debezium); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// restore loads the lane's checkpoint, if any, and removes the files of
// epochs that were written but not committed. It returns the offset to
// resume from, and false when the lane starts afresh.
func (l *lane) restore(ctx context.Context) (int64, bool, error) {
	c, ok, err := l.job.store.Load(ctx, l.job.source, l.partition)
	if err != nil {
		return 0, false, err
	}
	if ok {
		if err := l.unmarshal(c.State); err != nil {
			return 0, false, fmt.Errorf("jobs: cannot restore partition %d: %w", l.partition, err)
		}
		l.next, l.epochs = c.NextOffset, c.Epochs
	}
	for _, t := range append(slices.Clone(schemas.Tables), l.job.histTables...) {
		if err := parquet.RemoveAfter(l.job.out, t.Name, l.partition, l.epochs); err != nil {
			return 0, false, err
		}
	}
	if err := removeArchiveAfter(l.job.out, l.partition, l.epochs); err != nil {
		return 0, false, err
	}
	return l.next, ok, nil
}

// process handles one input record. An epoch boundary (a multiple of
// epoch.records) between the last record and this one commits the open epoch
// first, so that epochs are the same in every run.
func (l *lane) process(ctx context.Context, key, raw []byte, offset int64) error {
	if offset < l.silentUntil {
		l.replay(key, raw, offset)
		return nil
	}
	if err := l.begin(ctx, offset); err != nil {
		return err
	}
	l.records++
	l.apply(key, raw, offset)
	if offset < l.alertFrom {
		l.alerted = len(l.batch.Anomalies)
	}
	return l.end(ctx, offset)
}

// pass moves the lane past an offset that holds no record for the job: a
// transaction marker, which a consumer of a transactional topic gets in
// place of a record (the topic's end offset may be one). It belongs to an
// epoch like a record, so that the move becomes durable, but emits nothing.
func (l *lane) pass(ctx context.Context, offset int64) error {
	if offset < l.silentUntil {
		l.next = offset + 1
		return nil
	}
	if err := l.begin(ctx, offset); err != nil {
		return err
	}
	return l.end(ctx, offset)
}

// begin commits the pending epoch when offset is past it, opens one at
// offset if none is pending, and moves the lane past offset.
func (l *lane) begin(ctx context.Context, offset int64) error {
	if l.from >= 0 && offset/l.job.cfg.Epoch.Records != l.from/l.job.cfg.Epoch.Records {
		if err := l.commit(ctx); err != nil {
			return err
		}
	}
	if l.from < 0 {
		l.from, l.opened = offset, time.Now()
	}
	l.next = offset + 1
	return nil
}

// end commits the epoch when offset is its last.
func (l *lane) end(ctx context.Context, offset int64) error {
	if (offset+1)%l.job.cfg.Epoch.Records == 0 {
		return l.commit(ctx)
	}
	return nil
}

// replay runs a record through every stage to rebuild state, and drops the
// rows it produced: another member already wrote them.
func (l *lane) replay(key, raw []byte, offset int64) {
	l.next = offset + 1
	l.job.stats.replayed.Add(1)
	l.apply(key, raw, offset)
	l.batch.Reset()
	l.alerted = 0
	l.lay.Reset()
	if l.arch != nil {
		l.arch.reset()
	}
}

// apply runs one record through decode, windows, detectors and history.
func (l *lane) apply(key, raw []byte, offset int64) {

	ev := &l.ev
	ev.Partition, ev.Offset = l.partition, offset
	skip, err := l.decode(key, raw, ev)
	if l.arch != nil {
		l.arch.add(ev, key, raw, offset, err == nil && !skip)
	}
	if skip {
		return
	}
	if err != nil {
		l.decodeFails++
		l.deadLetter(raw, offset, decodeReason(err))
		return
	}
	if ok, reason := l.win.Admit(ev); !ok {
		l.deadLetter(raw, offset, reason)
		return
	} else if reason != "" {
		l.clamped++ // future_action clamp: used, at the bound; counted, not silent
	}
	if ev.Op == schemas.OpHeartbeat {
		l.heartbeat(ev)
		return
	}
	l.win.Process(ev, &l.wout)
	wm := l.win.Watermark()
	l.batch.Anomalies = l.det.Observe(ev, wm, l.batch.Anomalies)
	l.takeWindows()
	l.batch.History = l.hist.Process(ev, l.batch.History)
	l.lay.Advance(wm, ev.Partition, ev.Offset)
	l.lay.Process(ev)
}

// heartbeat moves the lane clock without an instrument's event: windows
// close, early rows come, stale instruments are flagged, and the history
// layouts advance, as an event at that time would make them.
func (l *lane) heartbeat(ev *schemas.Event) {
	l.win.Heartbeat(ev, &l.wout)
	wm := l.win.Watermark()
	l.batch.Anomalies = l.det.Heartbeat(ev, wm, l.batch.Anomalies)
	l.takeWindows()
	l.lay.Advance(wm, ev.Partition, ev.Offset)
}

// decode decodes a record with the source's format. skip reports a record
// that carries no change (a Debezium tombstone, or an update of columns the
// job does not track).
func (l *lane) decode(key, raw []byte, ev *schemas.Event) (skip bool, err error) {
	if l.dbz != nil {
		return l.dbz.Decode(key, raw, ev)
	}
	return false, l.dec.Decode(raw, ev)
}

// takeWindows moves the window engine's output into the batch, showing each
// new bar to the window-level detectors.
func (l *lane) takeWindows() {
	for i := range l.wout.Bars {
		l.batch.Anomalies = l.det.ObserveBar(&l.wout.Bars[i], l.batch.Anomalies)
	}
	if len(l.wout.Bars) > 0 {
		l.batch.Anomalies = l.det.FlushBars(l.batch.Anomalies)
	}
	l.batch.AppendBars(l.wout.Bars)
	l.batch.Late = append(l.batch.Late, l.wout.Late...)
	l.wout.Reset()
}

func (l *lane) deadLetter(raw []byte, offset int64, reason string) {
	l.batch.DeadLetters = append(l.batch.DeadLetters, schemas.DeadLetter{
		SrcPartition: l.partition, SrcOffset: offset, Raw: bytes.Clone(raw), Reason: reason,
	})
}

func decodeReason(err error) string {
	var de *schemas.DecodeError
	if errors.As(err, &de) {
		return de.Reason
	}
	return err.Error()
}

// finish closes every open window (end of input), commits, and waits until
// the lane's epochs are durable.
func (l *lane) finish(ctx context.Context) error {
	if l.from < 0 {
		l.from = l.next
	}
	l.win.Flush(l.partition, l.next-1, &l.wout)
	l.takeWindows()
	l.lay.Flush(l.partition, l.next-1)
	if err := l.commit(ctx); err != nil {
		return err
	}
	return l.durable()
}

// due reports whether the open epoch has been open for longer than
// epoch.interval of wall time.
func (l *lane) due(now time.Time) bool {
	iv := time.Duration(l.job.cfg.Epoch.Interval)
	return l.from >= 0 && iv > 0 && now.Sub(l.opened) >= iv
}

// commit ends the open epoch: it snapshots the lane's state and hands the
// epoch's rows and checkpoint to the sink, which makes them durable in order
// while the lane goes on. It blocks while the lane's previous epoch is still
// being written (two epochs per lane at most).
func (l *lane) commit(ctx context.Context) error {
	if l.from < 0 {
		return nil
	}
	j := l.job
	if err := j.sink.failure(); err != nil {
		return err
	}
	if b, ok := l.newAlerts(); ok {
		if err := j.alerts.Publish(ctx, b.Partition, b.Rows, b.Next); err != nil {
			return err
		}
	}
	state, err := l.marshal()
	if err != nil {
		return err
	}
	epoch := l.epochs + 1
	w := &epochWork{lane: l, batch: l.batch, hist: l.lay.Take(), records: l.records, decodeFailures: l.decodeFails, clamped: l.clamped,
		epoch: duckdb.Epoch{Source: j.source, Partition: l.partition, From: l.from, To: l.next - 1,
			Checkpoint: duckdb.Checkpoint{NextOffset: l.next, State: state, Epochs: epoch}}}
	if l.arch != nil {
		w.arch, l.arch.rows = l.arch.rows, nil
	}
	select {
	case l.batch = <-l.spare:
		l.alerted = 0
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := j.sink.submit(w); err != nil {
		return err
	}
	l.epochs = epoch
	l.from, l.records, l.decodeFails, l.clamped = -1, 0, 0, 0
	return nil
}

// newAlerts returns the anomalies found since the last call, to publish
// now, and false when there are none (or alerts are off).
func (l *lane) newAlerts() (kafka.AlertBatch, bool) {
	n := len(l.batch.Anomalies)
	if l.job.alerts == nil || l.alerted == n {
		return kafka.AlertBatch{}, false
	}
	b := kafka.AlertBatch{Partition: l.partition, Rows: l.batch.Anomalies[l.alerted:n:n], Next: l.next}
	l.alerted = n
	return b, true
}

// durable waits until every epoch handed to the sink is written.
func (l *lane) durable() error { return l.job.sink.wait() }

// A lane's checkpointed state is laneMagic, then the windows', detectors',
// interval history's and layouts' checkpoints, each after its length in 8
// bytes (little-endian), appended into one buffer. laneMagic cannot start a
// gob stream (0xff announces a one-byte length, which gob writes in one
// byte when under 128), so checkpoints of earlier versions, a gob of
// laneState, are told apart and still restore.
const laneMagic = "\xffPWL"

// laneState is a lane's checkpointed state as read.
type laneState struct {
	Windows, Detectors, History, Layouts []byte
}

func (l *lane) marshal() ([]byte, error) {
	// The buffer of an earlier epoch, when the sink has written it: a few
	// MB an epoch fewer for the garbage collector.
	var b []byte
	select {
	case b = <-l.freeState:
	default:
		b = make([]byte, 0, l.stateSize+l.stateSize/8+4096)
	}
	b = append(b[:0], laneMagic...)
	var err error
	for _, part := range []encoding.BinaryMarshaler{l.win, l.det, l.hist, l.lay} {
		at := len(b)
		b = binary.LittleEndian.AppendUint64(b, 0)
		if ap, ok := part.(encoding.BinaryAppender); ok {
			b, err = ap.AppendBinary(b)
		} else {
			var p []byte
			p, err = part.MarshalBinary()
			b = append(b, p...)
		}
		if err != nil {
			return nil, err
		}
		binary.LittleEndian.PutUint64(b[at:], uint64(len(b)-at-8))
	}
	l.stateSize = len(b)
	return b, nil
}

// readLaneState reads a checkpoint of marshal, or the gob of an earlier
// version.
func readLaneState(b []byte) (laneState, error) {
	var s laneState
	if len(b) < len(laneMagic) || string(b[:len(laneMagic)]) != laneMagic {
		err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s)
		return s, err
	}
	b = b[len(laneMagic):]
	for _, part := range []*[]byte{&s.Windows, &s.Detectors, &s.History, &s.Layouts} {
		if len(b) < 8 {
			return s, errors.New("lane state ends early")
		}
		n := binary.LittleEndian.Uint64(b)
		b = b[8:]
		if n > uint64(len(b)) {
			return s, fmt.Errorf("lane state part of %d bytes exceeds the %d left", n, len(b))
		}
		*part, b = b[:n:n], b[n:]
	}
	if len(b) > 0 {
		return s, fmt.Errorf("%d bytes after the lane state", len(b))
	}
	return s, nil
}

func (l *lane) unmarshal(b []byte) error {
	s, err := readLaneState(b)
	if err != nil {
		return fmt.Errorf("cannot decode lane state: %w", err)
	}
	if err := l.win.UnmarshalBinary(s.Windows); err != nil {
		return err
	}
	if err := l.det.UnmarshalBinary(s.Detectors); err != nil {
		return err
	}
	if err := l.hist.UnmarshalBinary(s.History); err != nil {
		return err
	}
	if s.Layouts == nil {
		return nil
	}
	return l.lay.UnmarshalBinary(s.Layouts)
}
