package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

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
	return listed(lo, err, "end offsets", topic)
}

// StartOffsets returns the earliest offset every partition of topic still
// holds (the log start: retention may have deleted records before it).
func StartOffsets(ctx context.Context, cl *kgo.Client, topic string) (map[int32]int64, error) {
	lo, err := kadm.NewClient(cl).ListStartOffsets(ctx, topic)
	return listed(lo, err, "start offsets", topic)
}

// OffsetsAfter returns, for every partition of topic, the first offset
// whose record time is at or after t, or the end offset when there is none.
func OffsetsAfter(ctx context.Context, cl *kgo.Client, topic string, t time.Time) (map[int32]int64, error) {
	lo, err := kadm.NewClient(cl).ListOffsetsAfterMilli(ctx, t.UnixMilli(), topic)
	return listed(lo, err, "offsets after "+t.UTC().Format(time.RFC3339), topic)
}

func listed(lo kadm.ListedOffsets, err error, what, topic string) (map[int32]int64, error) {
	if err == nil {
		err = lo.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("kafka: cannot list the %s of %q: %w", what, topic, err)
	}
	out := map[int32]int64{}
	lo.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out, nil
}

// CreateTopic creates topic with the given partitions (replication factor 1
// when the cluster has one broker, else the cluster default) if it does not
// exist yet, and waits until it can be used.
func CreateTopic(ctx context.Context, cl *kgo.Client, topic string, partitions int) error {
	return createTopic(ctx, cl, topic, partitions, nil)
}

// CreateCompactedTopic creates a one-partition compacted topic if it does
// not exist yet, and waits until it can be used.
func CreateCompactedTopic(ctx context.Context, cl *kgo.Client, topic string) error {
	compact := "compact"
	return createTopic(ctx, cl, topic, 1, map[string]*string{"cleanup.policy": &compact})
}

func createTopic(ctx context.Context, cl *kgo.Client, topic string, partitions int, configs map[string]*string) error {
	resp, err := kadm.NewClient(cl).CreateTopics(ctx, int32(partitions), -1, configs, topic)
	if err == nil {
		err = resp.Error()
	}
	if err != nil && !isExists(err) {
		return fmt.Errorf("kafka: cannot create topic %q: %w", topic, err)
	}
	return awaitTopic(ctx, cl, topic)
}

// topicWait bounds how long awaitTopic waits for a new topic's leaders.
const topicWait = 30 * time.Second

// awaitTopic waits until every partition of topic has a leader that answers
// a list-offsets request. Topic creation is asynchronous in Kafka: for a
// moment after CreateTopics returns (to this client, or to another member
// that created the topic first) the brokers may still answer
// UNKNOWN_TOPIC_OR_PARTITION or LEADER_NOT_AVAILABLE.
func awaitTopic(ctx context.Context, cl *kgo.Client, topic string) error {
	ctx, cancel := context.WithTimeout(ctx, topicWait)
	defer cancel()
	adm := kadm.NewClient(cl)
	for {
		lo, err := adm.ListEndOffsets(ctx, topic)
		if err == nil {
			err = lo.Error()
		}
		if err == nil {
			return nil
		}
		if !kerr.IsRetriable(err) && !errors.Is(err, kerr.UnknownTopicOrPartition) {
			return fmt.Errorf("kafka: topic %q is not usable: %w", topic, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafka: topic %q has no leader after %s: %w", topic, topicWait, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
