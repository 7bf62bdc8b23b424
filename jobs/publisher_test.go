package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/kafka"
	"pricewatch/schemas"
)

// TestPublisher queues batches of two partitions, one after another while
// transactions are in flight, and drops a third partition: a read_committed
// reader of the alert topic gets every row of the first two once, each
// partition's in the order they were found, none of the dropped one, and
// the published progress is each partition's last Next.
func TestPublisher(t *testing.T) {
	ctx := context.Background()
	c, a := kfakeAlerts(t)
	defer a.Close()
	p := newPublisher(a, nil)
	want := map[int32][]int64{}
	for i := range 60 {
		part := int32(i % 2)
		off := int64(i)
		if err := p.add(kafka.AlertBatch{Partition: part, Rows: []schemas.Anomaly{{InstrumentID: "X", Detector: "jump",
			Attribute: "price", SrcPartition: part, SrcOffset: off}}, Next: off + 1}); err != nil {
			t.Fatal(err)
		}
		want[part] = append(want[part], off)
	}
	// A lost partition's queued rows are left to its next owner. (Its rows
	// may go out if a transaction took them before the drop; none is
	// queued for it before the wait below, so they cannot.)
	if err := p.wait(ctx); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.queue = append(p.queue, kafka.AlertBatch{Partition: 2, Rows: []schemas.Anomaly{{SrcPartition: 2, SrcOffset: 7}}, Next: 8})
	p.mu.Unlock()
	p.drop([]int32{2})
	if err := p.close(ctx); err != nil {
		t.Fatal(err)
	}
	for part, offs := range want {
		if got := a.Published(part); got != offs[len(offs)-1]+1 {
			t.Errorf("partition %d: progress %d, want %d", part, got, offs[len(offs)-1]+1)
		}
	}
	if got := a.Published(2); got != 0 {
		t.Errorf("dropped partition 2: progress %d, want 0", got)
	}
	got := readAlertOffsets(t, c.ListenAddrs(), "alerts", 60)
	for part, offs := range want {
		if !slices.Equal(got[part], offs) {
			t.Errorf("partition %d: alerts of offsets %v, want %v", part, got[part], offs)
		}
	}
	if len(got[2]) > 0 {
		t.Errorf("dropped partition 2 was published: %v", got[2])
	}
	if err := p.add(kafka.AlertBatch{Partition: 0, Next: 99}); err != errPublisherClosed {
		t.Fatalf("add after close: %v, want %v", err, errPublisherClosed)
	}
}

// TestPublisherFailure publishes through a closed producer: wait returns
// the failure, and so does every later add.
func TestPublisherFailure(t *testing.T) {
	ctx := context.Background()
	_, a := kfakeAlerts(t)
	a.Close()
	p := newPublisher(a, nil)
	defer p.close(ctx)
	if err := p.add(kafka.AlertBatch{Partition: 0, Rows: []schemas.Anomaly{{InstrumentID: "X"}}, Next: 1}); err != nil {
		t.Fatal(err)
	}
	err := p.wait(ctx)
	if err == nil {
		t.Fatal("publishing through a closed producer did not fail")
	}
	if aerr := p.add(kafka.AlertBatch{Partition: 0, Next: 2}); aerr != err {
		t.Fatalf("add after the failure: %v, want %v", aerr, err)
	}
}

// kfakeAlerts returns an in-process broker, closed when the test ends, and
// an alert producer on it (topic "alerts" of source "src").
func kfakeAlerts(t *testing.T) (*kfake.Cluster, *kafka.Alerts) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	a, err := kafka.NewAlerts(context.Background(), c.ListenAddrs(), "alerts", "src", t.Name(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return c, a
}

// readAlertOffsets reads n alerts (read_committed) and returns their source
// offsets by source partition, in the order read.
func readAlertOffsets(t *testing.T, brokers []string, topic string, n int) map[int32][]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := map[int32][]int64{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for read := 0; read < n; {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read %d alerts of %d: %v", read, n, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			var m kafka.AlertMessage
			if err := json.Unmarshal(r.Value, &m); err != nil {
				t.Fatal(fmt.Errorf("alert %q: %w", r.Value, err))
			}
			got[m.SrcPartition] = append(got[m.SrcPartition], m.SrcOffset)
			read++
		})
	}
	return got
}
