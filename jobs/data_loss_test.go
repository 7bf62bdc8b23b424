package jobs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"pricewatch/gen"
	"pricewatch/jobs"
	"pricewatch/kafka"
)

// TestDataLoss deletes records of a partition (as retention does) between
// the offset where a folder's lane resumes and the rest of the topic. With
// source.on_data_loss fail (the default) `run` and a topic backfill stop
// with an error naming the partition and the lost offsets; with skip they
// go on from the earliest offset left, count the lost offsets and read every
// record that is left.
func TestDataLoss(t *testing.T) {
	s := gen.DefaultSpec()
	s.Instruments, s.Events, s.Malformed = 20, 6000, 0
	input, _ := genFile(t, s)
	parts := splitLines(t, input, 2)
	cfg := jobs.DefaultConfig()
	cfg.Source.Partitions = 1
	cfg.Epoch.Records = 500
	cl := kfakeTopic(t, &cfg, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	first, err := kafka.Produce(ctx, cl, cfg.Source.Topic, parts[:1])
	if err != nil {
		t.Fatal(err)
	}
	runOut, backOut := t.TempDir(), t.TempDir()
	if _, err := jobs.Run(ctx, cfg, runOut, jobs.RunOpts{ExitAtEnd: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Backfill(ctx, cfg, backOut, jobs.BackfillInput{Topic: cfg.Source.Topic}); err != nil {
		t.Fatal(err)
	}
	second, err := kafka.Produce(ctx, cl, cfg.Source.Topic, parts[1:])
	if err != nil {
		t.Fatal(err)
	}
	// Retention deletes the first 100 records after the lanes' offsets.
	del := first + 100
	if _, err := kadm.NewClient(cl).DeleteRecords(ctx, kadm.Offsets{cfg.Source.Topic: {0: {Topic: cfg.Source.Topic, At: del}}}); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("partition 0 of %q no longer holds offsets %d to %d", cfg.Source.Topic, first, del-1)
	if _, err := jobs.Run(ctx, cfg, runOut, jobs.RunOpts{ExitAtEnd: true}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("run over lost records: %v, want an error containing %q", err, want)
	}
	if _, err := jobs.Backfill(ctx, cfg, backOut, jobs.BackfillInput{Topic: cfg.Source.Topic}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("backfill over lost records: %v, want an error containing %q", err, want)
	}

	cfg.Source.OnDataLoss = jobs.OnDataLossSkip
	st, err := jobs.Run(ctx, cfg, runOut, jobs.RunOpts{ExitAtEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.Records() != second-100 || st.LostOffsets() != 100 {
		t.Errorf("run with skip: %s; want records=%d lost_offsets=100", st, second-100)
	}
	st, err = jobs.Backfill(ctx, cfg, backOut, jobs.BackfillInput{Topic: cfg.Source.Topic})
	if err != nil {
		t.Fatal(err)
	}
	if st.Records() != second-100 || st.LostOffsets() != 100 {
		t.Errorf("backfill with skip: %s; want records=%d lost_offsets=100", st, second-100)
	}
}
