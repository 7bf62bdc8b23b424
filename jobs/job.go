package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"pricewatch/duckdb"
	"pricewatch/kafka"
	"pricewatch/metrics"
	"pricewatch/schemas"
)

// Job is one output folder open for writing, with the config that fills it.
// A Job's lanes may run on different goroutines; the Job itself is safe for
// concurrent use.
type Job struct {
	cfg      Config
	out      string
	source   string // checkpoint namespace: the topic, or "files"
	store    *duckdb.Store
	mem      memory.Allocator
	stats    Stats
	onCommit func(partition int32, next int64) // called after each epoch commit
	alerts   *kafka.Alerts                     // nil unless alerts.topic is set (run only)
	sink     *sink
	metrics  *metrics.Metrics // nil when metrics are off
	// histTables are the history tables of history.tables (beside attr_history).
	histTables []*schemas.Table
}

// Open opens (creating) the output folder out for a job reading source.
func Open(cfg Config, out, source string) (*Job, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("jobs: cannot create %q: %w", out, err)
	}
	hist := cfg.History.Tables()
	tables := append(slices.Clone(schemas.Tables), hist...)
	st, err := duckdb.Open(filepath.Join(out, duckdb.FileName), tables, cfg.History.SQL())
	if err != nil {
		return nil, err
	}
	j := &Job{cfg: cfg, out: out, source: source, store: st, mem: memory.NewGoAllocator(), histTables: hist}
	j.sink = newSink(j)
	return j, nil
}

// publishAlerts publishes the anomalies of a partition's source offsets
// [published, next) that the outputs hold but the alert topic does not:
// those of epochs committed just before a crash.
func (j *Job) publishAlerts(ctx context.Context, partition int32, next int64) error {
	from := j.alerts.Published(partition)
	if from >= next {
		return nil
	}
	rows, err := j.store.Anomalies(ctx, partition, from, next)
	if err != nil {
		return err
	}
	return j.alerts.Publish(ctx, partition, rows, next)
}

// Close waits for the sink and closes the output database.
func (j *Job) Close() error {
	j.sink.close()
	return j.store.Close()
}

// Stats returns the job's counters so far.
func (j *Job) Stats() *Stats { return &j.stats }

func (j *Job) newDecoder() *schemas.Decoder { return schemas.NewDecoder() }

// Stats counts what a job did. Its fields are safe for concurrent use.
type Stats struct {
	records     atomic.Int64 // input records
	events      atomic.Int64 // decoded, admitted events
	deadLetters atomic.Int64
	bars        atomic.Int64 // committed window_bars rows
	late        atomic.Int64
	anomalies   atomic.Int64
	history     atomic.Int64
	replayed    atomic.Int64 // records replayed only to rebuild state
	clamped     atomic.Int64 // events whose time windows.max_future clamped
	lost        atomic.Int64 // offsets deleted before they were read (source.on_data_loss skip)
}

func (s *Stats) add(b *schemas.Batch, records int64) {
	s.events.Add(records - int64(len(b.DeadLetters)))
	s.deadLetters.Add(int64(len(b.DeadLetters)))
	s.bars.Add(int64(b.NumBars()))
	s.late.Add(int64(len(b.Late)))
	s.anomalies.Add(int64(len(b.Anomalies)))
	s.history.Add(int64(len(b.History)))
}

// Replayed returns the number of records replayed to rebuild state after
// taking over a partition whose earlier rows another member wrote.
func (s *Stats) Replayed() int64 { return s.replayed.Load() }

// Records returns the number of input records processed.
func (s *Stats) Records() int64 { return s.records.Load() }

// Events returns the number of valid events processed.
func (s *Stats) Events() int64 { return s.events.Load() }

// DeadLetters returns the number of records sent to dead_letters.
func (s *Stats) DeadLetters() int64 { return s.deadLetters.Load() }

// Bars returns the number of window_bars rows committed.
func (s *Stats) Bars() int64 { return s.bars.Load() }

// Anomalies returns the number of anomalies committed.
func (s *Stats) Anomalies() int64 { return s.anomalies.Load() }

// String summarises the counters on one line.
func (s *Stats) String() string {
	str := fmt.Sprintf("records=%d events=%d dead_letters=%d window_bars=%d late_events=%d anomalies=%d history_rows=%d",
		s.records.Load(), s.events.Load(), s.deadLetters.Load(), s.bars.Load(), s.late.Load(), s.anomalies.Load(), s.history.Load())
	if n := s.clamped.Load(); n > 0 {
		str += fmt.Sprintf(" clamped=%d", n)
	}
	if n := s.lost.Load(); n > 0 {
		str += fmt.Sprintf(" lost_offsets=%d", n)
	}
	return str
}

// LostOffsets returns the number of input offsets that were deleted before
// the job read them and skipped (source.on_data_loss skip).
func (s *Stats) LostOffsets() int64 { return s.lost.Load() }

// Clamped returns the number of events whose time windows.max_future
// clamped (future_action clamp).
func (s *Stats) Clamped() int64 { return s.clamped.Load() }
