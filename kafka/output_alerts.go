package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/schemas"
)

// Alerts publishes anomalies to a Kafka topic exactly once. Anomalies go out
// as soon as a poll's records are processed, in one transaction together with
// a progress record per source partition (in a compacted progress topic: key
// = source partition, value = the next source offset), without waiting for
// their epoch to be durable. Progress moves only with the alerts it covers.
// After a crash, a lane resumes from its checkpoint, which may be behind the
// progress: it computes the same anomalies again (outputs are a function of
// the input) and leaves out those of records below the progress. Anomalies of
// epochs that are durable but were not published (offsets from the progress
// to the checkpoint) are published from the outputs, once. Alerts is safe for
// concurrent use.
type Alerts struct {
	mu       sync.Mutex // one transaction at a time
	cl       *kgo.Client
	topic    string
	progress string
	source   string
	done     map[int32]int64 // published progress per source partition
	brokers  []string
	opts     []kgo.Opt
}

// AlertMessage is the JSON value of an alert record.
type AlertMessage struct {
	InstrumentID string  `json:"instrument_id"`
	EventTime    string  `json:"event_time"`
	Detector     string  `json:"detector"`
	Attribute    string  `json:"attribute"`
	Observed     float64 `json:"observed"`
	Expected     float64 `json:"expected"`
	Threshold    float64 `json:"threshold"`
	Score        float64 `json:"score"`
	Reason       string  `json:"reason"`
	SrcPartition int32   `json:"src_partition"`
	SrcOffset    int64   `json:"src_offset"`
}

// NewAlerts opens a transactional producer for topic (created with the
// given partitions if missing) and reads the published progress of source
// (the input topic) from topic+".progress".
func NewAlerts(ctx context.Context, brokers []string, topic, source, txnID string, partitions int, opts ...kgo.Opt) (*Alerts, error) {
	a := &Alerts{topic: topic, progress: topic + ".progress", source: source, done: map[int32]int64{},
		brokers: brokers, opts: opts}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.TransactionalID(txnID),
		kgo.TransactionTimeout(30 * time.Second), kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil))}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka: cannot create the alert producer: %w", err)
	}
	a.cl = cl
	if err := CreateTopic(ctx, cl, topic, partitions); err != nil {
		cl.Close()
		return nil, err
	}
	if err := CreateCompactedTopic(ctx, cl, a.progress); err != nil {
		cl.Close()
		return nil, err
	}
	if err := a.readProgress(ctx); err != nil {
		cl.Close()
		return nil, err
	}
	return a, nil
}

// Refresh reads the progress topic again: another member may have published
// alerts of partitions this one takes over (it takes a second at least).
func (a *Alerts) Refresh(ctx context.Context) error {
	return a.readProgress(ctx)
}

// readProgress reads the progress topic to its end (read_committed); the
// progress of a partition never moves back.
func (a *Alerts) readProgress(ctx context.Context) error {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(a.brokers...), kgo.FetchIsolationLevel(kgo.ReadCommitted())}, a.opts...)...)
	if err != nil {
		return err
	}
	defer cl.Close()
	ends, err := EndOffsets(ctx, cl, a.progress)
	if err != nil {
		return err
	}
	assign := map[int32]kgo.Offset{}
	for p, e := range ends {
		if e > 0 {
			assign[p] = kgo.NewOffset().AtStart()
		}
	}
	if len(assign) == 0 {
		return nil
	}
	cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{a.progress: assign})
	// The topic is small and compacted: read until a poll brings nothing
	// for a second. (Its last offsets may be transaction markers, which are
	// never returned as records, so counting up to the end offset would not
	// terminate.)
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		fs := cl.PollFetches(pctx)
		cancel()
		if err := ctx.Err(); err != nil {
			return err
		}
		if fs.NumRecords() == 0 {
			return nil
		}
		fs.EachRecord(func(r *kgo.Record) {
			if p, ok := a.progressKey(r.Key); ok && len(r.Value) == 8 {
				a.mu.Lock()
				a.done[p] = max(a.done[p], int64(binary.BigEndian.Uint64(r.Value)))
				a.mu.Unlock()
			}
		})
	}
}

func (a *Alerts) key(partition int32) []byte {
	return []byte(a.source + "/" + strconv.Itoa(int(partition)))
}

func (a *Alerts) progressKey(k []byte) (int32, bool) {
	prefix := a.source + "/"
	if len(k) <= len(prefix) || string(k[:len(prefix)]) != prefix {
		return 0, false
	}
	p, err := strconv.Atoi(string(k[len(prefix):]))
	return int32(p), err == nil
}

// Published returns the next source offset whose alerts are not published
// yet for a source partition (0 when none are).
func (a *Alerts) Published(partition int32) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.done[partition]
}

// AlertBatch is what one source partition publishes: its anomalies found
// since its last batch, and the next source offset they cover.
type AlertBatch struct {
	Partition int32
	Rows      []schemas.Anomaly
	Next      int64
}

// Publish sends the anomalies of a source partition found since its last
// publication and moves its progress to next, in one transaction.
func (a *Alerts) Publish(ctx context.Context, partition int32, rows []schemas.Anomaly, next int64) error {
	return a.PublishAll(ctx, []AlertBatch{{Partition: partition, Rows: rows, Next: next}})
}

// PublishAll is Publish for several source partitions in one transaction.
func (a *Alerts) PublishAll(ctx context.Context, batches []AlertBatch) error {
	if len(batches) == 0 {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("kafka: cannot begin alert transaction: %w", err)
	}
	var (
		pmu  sync.Mutex
		perr error
	)
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			pmu.Lock()
			perr = errors.Join(perr, err)
			pmu.Unlock()
		}
	}
	for _, b := range batches {
		for i := range b.Rows {
			r := &b.Rows[i]
			v, err := gojson.Marshal(AlertMessage{InstrumentID: r.InstrumentID,
				EventTime: time.UnixMicro(r.EventTime).UTC().Format(time.RFC3339Nano), Detector: r.Detector,
				Attribute: r.Attribute, Observed: r.Observed, Expected: r.Expected, Threshold: r.Threshold,
				Score: r.Score, Reason: r.Reason, SrcPartition: r.SrcPartition, SrcOffset: r.SrcOffset})
			if err != nil {
				return a.abort(ctx, err)
			}
			a.cl.Produce(ctx, &kgo.Record{Topic: a.topic, Key: []byte(r.InstrumentID), Value: v}, promise)
		}
		next8 := make([]byte, 8)
		binary.BigEndian.PutUint64(next8, uint64(b.Next))
		a.cl.Produce(ctx, &kgo.Record{Topic: a.progress, Key: a.key(b.Partition), Value: next8}, promise)
	}
	err := a.cl.Flush(ctx)
	if err == nil {
		pmu.Lock()
		err = perr
		pmu.Unlock()
	}
	if err != nil {
		return a.abort(ctx, err)
	}
	if err := a.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return fmt.Errorf("kafka: cannot commit alert transaction: %w", err)
	}
	for _, b := range batches {
		a.done[b.Partition] = max(a.done[b.Partition], b.Next)
	}
	return nil
}

func (a *Alerts) abort(ctx context.Context, cause error) error {
	err := a.cl.AbortBufferedRecords(ctx)
	if err == nil {
		err = a.cl.EndTransaction(ctx, kgo.TryAbort)
	}
	return fmt.Errorf("kafka: cannot publish alerts: %w (abort: %v)", cause, err)
}

// Close closes the producer.
func (a *Alerts) Close() { a.cl.Close() }
