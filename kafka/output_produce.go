package kafka

import (
	"context"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/files"
	"pricewatch/schemas"
)

// Produce publishes every non-blank line of the JSONL files to topic, in
// order, keyed by the event's instrument_id and placed with Partition, so that
// a backfill of the same files with the topic's partition count reproduces
// the topic's partitions and offsets. Lines that do not decode are sent
// without a key (to Partition(nil)): they are the job's to reject. It returns
// the number of records produced.
func Produce(ctx context.Context, cl *kgo.Client, topic string, paths []string) (int64, error) {
	parts, err := PartitionCount(ctx, cl, topic)
	if err != nil {
		return 0, err
	}
	dec := schemas.NewDecoder()
	var (
		ev    schemas.Event
		n     int64
		mu    sync.Mutex
		first error
	)
	done := func(_ *kgo.Record, err error) {
		if err != nil {
			mu.Lock()
			if first == nil {
				first = err
			}
			mu.Unlock()
		}
	}
	err = files.Lines(paths, func(line []byte) error {
		var key []byte
		if k := dec.Key(line, &ev); k != nil {
			key = append([]byte(nil), k...)
		}
		rec := &kgo.Record{Topic: topic, Key: key, Value: append([]byte(nil), line...), Partition: Partition(key, parts)}
		cl.Produce(ctx, rec, done)
		n++
		return ctx.Err()
	})
	if ferr := cl.Flush(ctx); err == nil {
		err = ferr
	}
	if err == nil {
		err = first
	}
	if err != nil {
		return n, fmt.Errorf("kafka: cannot produce to %q: %w", topic, err)
	}
	return n, nil
}

// PartitionCount returns the number of partitions of topic.
func PartitionCount(ctx context.Context, cl *kgo.Client, topic string) (int, error) {
	td, err := kadm.NewClient(cl).ListTopics(ctx, topic)
	if err != nil {
		return 0, fmt.Errorf("kafka: cannot describe topic %q: %w", topic, err)
	}
	t, ok := td[topic]
	if !ok || t.Err != nil {
		return 0, fmt.Errorf("kafka: topic %q does not exist: %v", topic, t.Err)
	}
	return len(t.Partitions), nil
}

// EndOffsets returns the end offset (the next offset to be written) of every
// partition of topic.
func EndOffsets(ctx context.Context, cl *kgo.Client, topic string) (map[int32]int64, error) {
	lo, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("kafka: cannot list end offsets of %q: %w", topic, err)
	}
	if err := lo.Error(); err != nil {
		return nil, fmt.Errorf("kafka: cannot list end offsets of %q: %w", topic, err)
	}
	out := map[int32]int64{}
	lo.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out, nil
}

// CreateTopic creates topic with the given partitions (replication factor 1
// when the cluster has one broker, else the cluster default) if it does not
// exist yet.
func CreateTopic(ctx context.Context, cl *kgo.Client, topic string, partitions int) error {
	resp, err := kadm.NewClient(cl).CreateTopics(ctx, int32(partitions), -1, nil, topic)
	if err == nil {
		err = resp.Error()
	}
	if err != nil && !isExists(err) {
		return fmt.Errorf("kafka: cannot create topic %q: %w", topic, err)
	}
	return nil
}

// CreateCompactedTopic creates a one-partition compacted topic if it does
// not exist yet.
func CreateCompactedTopic(ctx context.Context, cl *kgo.Client, topic string) error {
	compact := "compact"
	resp, err := kadm.NewClient(cl).CreateTopics(ctx, 1, -1, map[string]*string{"cleanup.policy": &compact}, topic)
	if err == nil {
		err = resp.Error()
	}
	if err != nil && !isExists(err) {
		return fmt.Errorf("kafka: cannot create topic %q: %w", topic, err)
	}
	return nil
}
