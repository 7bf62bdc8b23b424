package bench

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// deleteTopics deletes the topics a part of the bench created: the kafka
// part leaves a gigabyte of log otherwise, on every run, in the user's
// cluster.
func deleteTopics(ctx context.Context, brokers string, topics ...string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers))
	if err != nil {
		return err
	}
	defer cl.Close()
	resp, err := kadm.NewClient(cl).DeleteTopics(ctx, topics...)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		return fmt.Errorf("bench: cannot delete topics %v: %w", topics, err)
	}
	return nil
}

// settle flushes the writes of the parts before (the broker's log, the
// outputs) to disk and lets the machine idle a moment, so that their
// writeback does not fall into the next part's measurement.
func settle() {
	syscall.Sync()
	time.Sleep(2 * time.Second)
}
