package jobs

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"pricewatch/kafka"
)

// publisher publishes the anomalies of a streaming run from a goroutine of
// its own, one Kafka transaction at a time, so that the poll loop goes on
// reading and processing while a transaction is in flight. Batches queued
// meanwhile go out together in the next transaction, each partition's in
// offset order, so its progress only moves forward. The first failure stops
// it: later calls return it. It is safe for concurrent use.
type publisher struct {
	alerts  *kafka.Alerts
	observe func(start time.Time)

	ctx    context.Context // of the transactions; canceled when close gives up
	cancel context.CancelFunc

	mu     sync.Mutex
	cond   *sync.Cond
	queue  []kafka.AlertBatch // at most one per partition, rows owned
	busy   bool               // a transaction is in flight
	err    error
	closed bool
	done   chan struct{}
}

// newPublisher starts publishing to a; observe (may be nil) is told how long
// each transaction took. Its transactions outlive the run's context, so that
// a stopping run still publishes what it found; close bounds the wait.
func newPublisher(a *kafka.Alerts, observe func(time.Time)) *publisher {
	p := &publisher{alerts: a, observe: observe, done: make(chan struct{})}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.cond = sync.NewCond(&p.mu)
	go p.loop()
	return p
}

// errPublisherClosed is what add returns after close.
var errPublisherClosed = errors.New("jobs: the alert publisher is closed")

// add queues a batch, copying its rows, and returns the first failure so far.
func (p *publisher) add(b kafka.AlertBatch) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	if p.closed {
		return errPublisherClosed
	}
	i := slices.IndexFunc(p.queue, func(q kafka.AlertBatch) bool { return q.Partition == b.Partition })
	if i < 0 {
		p.queue = append(p.queue, kafka.AlertBatch{Partition: b.Partition})
		i = len(p.queue) - 1
	}
	p.queue[i].Rows = append(p.queue[i].Rows, b.Rows...)
	p.queue[i].Next = b.Next
	p.cond.Broadcast()
	return nil
}

// drop forgets the queued batches of partitions this member lost: their new
// owner publishes them from the progress it reads.
func (p *publisher) drop(partitions []int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = slices.DeleteFunc(p.queue, func(q kafka.AlertBatch) bool { return slices.Contains(partitions, q.Partition) })
}

// wait blocks until every queued batch is published, or ctx ends, and
// returns the first failure.
func (p *publisher) wait(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.err == nil && (len(p.queue) > 0 || p.busy) {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.cond.Wait()
	}
	return p.err
}

// failure returns the first failure so far.
func (p *publisher) failure() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// close publishes what is queued, stops the goroutine and returns the first
// failure. When ctx ends first, the transaction in flight is abandoned.
func (p *publisher) close(ctx context.Context) error {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
	select {
	case <-p.done:
	case <-ctx.Done():
		p.cancel()
		<-p.done
	}
	p.cancel()
	return p.failure()
}

func (p *publisher) loop() {
	defer close(p.done)
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		for len(p.queue) == 0 && !p.closed {
			p.cond.Wait()
		}
		if len(p.queue) == 0 || p.err != nil {
			return // closed, and nothing left that could still go out
		}
		batches := p.queue
		p.queue, p.busy = nil, true
		p.mu.Unlock()
		start := time.Now()
		err := p.alerts.PublishAll(p.ctx, batches)
		if err == nil && p.observe != nil {
			p.observe(start)
		}
		p.mu.Lock()
		p.busy = false
		if err != nil && p.err == nil {
			p.err = err
			p.queue = nil
		}
		p.cond.Broadcast()
	}
}
