package jobs

import (
	"context"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"pricewatch/duckdb"
	"pricewatch/history"
	"pricewatch/parquet"
	"pricewatch/schemas"
)

// rowGroupRows is about the rows of a Parquet row group: an epoch's window
// bars are built and written this many at a time.
const rowGroupRows = 64 << 10

// epochWork is one lane epoch handed to the sink: its rows, its archive
// records and its checkpoint.
type epochWork struct {
	lane    *lane
	epoch   duckdb.Epoch
	batch   *schemas.Batch
	hist    *history.Rows // rows of the history tables
	arch    []schemas.RawEvent
	records int64
	// decodeFailures counts the epoch's records that did not decode.
	decodeFailures int64
	// clamped counts the epoch's events whose time windows.max_future clamped.
	clamped int64
}

// sink writes epochs (Parquet files, then the DuckDB transaction with the
// checkpoint, then the Kafka offset) off the lanes' goroutines, so
// that lanes go on processing while an epoch becomes durable. Each lane has a
// writer goroutine of its own, so one lane's epochs are written in order and
// different lanes' Parquet files in parallel; DuckDB transactions and alert
// transactions are serialised by their stores. A lane hands over its batch and
// takes a spare one, so at most two epochs per lane are in memory. The sink is
// safe for concurrent use.
type sink struct {
	job    *Job
	mu     sync.Mutex
	idle   *sync.Cond
	queues map[*lane]chan *epochWork
	busy   int   // submitted and not yet done
	err    error // the first failure; every later epoch is dropped
	wg     sync.WaitGroup
}

func newSink(j *Job) *sink {
	s := &sink{job: j, queues: map[*lane]chan *epochWork{}}
	s.idle = sync.NewCond(&s.mu)
	return s
}

// loop writes one lane's epochs in order.
func (s *sink) loop(queue chan *epochWork) {
	defer s.wg.Done()
	for w := range queue {
		s.mu.Lock()
		failed := s.err != nil
		s.mu.Unlock()
		var err error
		if !failed {
			err = s.write(w)
		}
		w.batch.Reset()
		w.lane.spare <- w.batch
		select { // the state is in its file now
		case w.lane.freeState <- w.epoch.Checkpoint.State:
		default:
		}
		s.mu.Lock()
		if err != nil && s.err == nil {
			s.err = err
		}
		s.busy--
		s.idle.Broadcast()
		s.mu.Unlock()
	}
}

// submit queues an epoch. It returns the sink's failure, if any, instead.
func (s *sink) submit(w *epochWork) error {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return s.err
	}
	s.busy++
	q := s.queues[w.lane]
	if q == nil {
		q = make(chan *epochWork, 2)
		s.queues[w.lane] = q
		s.wg.Add(1)
		go s.loop(q)
	}
	s.mu.Unlock()
	q <- w
	return nil
}

// wait blocks until every submitted epoch is durable (or failed) and returns
// the first failure.
func (s *sink) wait() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.busy > 0 {
		s.idle.Wait()
	}
	return s.err
}

// failure returns the first failure so far.
func (s *sink) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *sink) close() {
	s.mu.Lock()
	for _, q := range s.queues {
		close(q)
	}
	clear(s.queues)
	s.mu.Unlock()
	s.wg.Wait()
}

// write makes one epoch durable: its Parquet files (temporary name, then
// rename), the DuckDB transaction of its rows and checkpoint, and then
// reports the new offset. (Its alerts went out when they were found.)
func (s *sink) write(w *epochWork) error {
	j, e := s.job, &w.epoch
	ctx := context.Background()
	epoch := e.Checkpoint.Epochs
	start := time.Now()
	pqc := parquet.WithCompression(j.cfg.Parquet.Compression)
	for _, t := range schemas.Tables {
		n := w.batch.Len(t)
		if n == 0 {
			continue
		}
		path := parquet.Path(j.out, t.Name, e.Partition, epoch, e.From, e.To)
		err := parquet.WriteRecords(path, t.Schema, func(yield func(arrow.RecordBatch) error) error {
			return w.batch.EachRecord(j.mem, t, rowGroupRows, yield)
		}, pqc)
		if err != nil {
			return err
		}
		e.Files = append(e.Files, duckdb.TableFile{Table: t, Path: path, Rows: n})
	}
	for _, t := range j.histTables {
		n := w.hist.Len(t)
		if n == 0 {
			continue
		}
		path := parquet.Path(j.out, t.Name, e.Partition, epoch, e.From, e.To)
		rec := w.hist.Record(j.mem, t)
		err := parquet.WriteFile(path, rec, pqc)
		rec.Release()
		if err != nil {
			return err
		}
		e.Files = append(e.Files, duckdb.TableFile{Table: t, Path: path, Rows: n})
	}
	j.observe("parquet", start)
	if w.arch != nil {
		a := archive{rows: w.arch}
		if err := a.write(j.mem, j.out, e.Partition, epoch, e.From, e.To, pqc); err != nil {
			return err
		}
	}
	t := time.Now()
	if err := j.store.Commit(ctx, e); err != nil {
		return err
	}
	j.observe("duckdb", t)
	j.count(w, start)
	j.stats.records.Add(w.records)
	j.stats.clamped.Add(w.clamped)
	j.stats.add(w.batch, w.records)
	if j.onCommit != nil {
		j.onCommit(e.Partition, e.Checkpoint.NextOffset)
	}
	return nil
}
