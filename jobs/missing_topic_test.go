package jobs_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"pricewatch/jobs"
	"pricewatch/kafka"
)

// TestRunWaitsForAMissingTopic starts a streaming member on a topic that
// does not exist: it says so, waits, and reads the topic once it is created.
func TestRunWaitsForAMissingTopic(t *testing.T) {
	cfg := jobs.DefaultConfig()
	cl := kfakeTopic(t, &cfg, 1)
	cfg.Source.Topic = "created-later"
	var log syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan *jobs.Stats, 1)
	go func() {
		st, err := jobs.Run(ctx, cfg, t.TempDir(), jobs.RunOpts{Log: slog.New(slog.NewTextHandler(&log, nil))})
		if err != nil {
			t.Error(err)
		}
		done <- st
	}()
	waitUntil(t, func() bool {
		return strings.Contains(log.String(), `msg="the input topic cannot be read yet; waiting for it" topic=created-later`)
	})
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, -1, nil, cfg.Source.Topic); err != nil {
		t.Fatal(err)
	}
	if _, err := kafka.Produce(ctx, cl, cfg.Source.Topic, []string{filepath.Join("..", "testdata", "e2e-small.jsonl")}); err != nil {
		t.Fatal(err)
	}
	adm := kadm.NewClient(cl)
	waitUntil(t, func() bool { // the epoch (epoch.interval 1s) is durable and its offsets committed
		offs, err := adm.FetchOffsets(ctx, cfg.Source.Group)
		o, ok := offs.Lookup(cfg.Source.Topic, 0)
		return err == nil && ok && o.At == 7
	})
	cancel()
	if st := <-done; st == nil || st.Records() != 7 {
		t.Errorf("stats after the topic came: %v", st)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitUntil polls cond for up to 30 s.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
