package jobs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/gen"
	"pricewatch/jobs"
	"pricewatch/kafka"
)

// TestTransactionalInputTopic reads a topic written by a transactional
// producer, in several transactions, one of them aborted: each partition's
// log ends with a transaction marker, an offset that holds no record. A
// streaming run to the end of the topic, a backfill of the topic and two
// members of a run to the end all finish (they used to wait for that offset
// forever), and give the same rows, as many as a backfill of the committed
// records' file.
func TestTransactionalInputTopic(t *testing.T) {
	s := gen.DefaultSpec()
	s.Instruments, s.Events, s.Malformed = 40, 12000, 0
	input, _ := genFile(t, s)
	cfg := jobs.DefaultConfig()
	cfg.Epoch.Records = 1000
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Commit the file in three transactions, after an aborted one of the
	// second part's records.
	cl := kfakeTopic(t, &cfg, 4, kgo.TransactionalID("upstream"))
	txn := func(path string, commit bool) {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if _, err := kafka.Produce(ctx, cl, cfg.Source.Topic, []string{path}); err != nil {
			t.Fatal(err)
		}
		if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range splitLines(t, input, 3) {
		if i == 1 {
			txn(p, false)
		}
		txn(p, true)
	}

	fileOut, runOut, topicOut := t.TempDir(), t.TempDir(), t.TempDir()
	fileSt, err := jobs.Backfill(ctx, cfg, fileOut, jobs.BackfillInput{Files: []string{input}})
	if err != nil {
		t.Fatal(err)
	}
	runSt, err := jobs.Run(ctx, cfg, runOut, jobs.RunOpts{ExitAtEnd: true})
	if err != nil {
		t.Fatalf("run --exit-at-end: %v", err)
	}
	if runSt.Records() != fileSt.Records() || runSt.Events() != fileSt.Events() {
		t.Errorf("run: %s; the file: %s", runSt, fileSt)
	}
	got := tables(t, runOut)
	for _, tb := range []string{"window_bars", "anomalies", "attr_history"} {
		if len(got[tb]) != len(tables(t, fileOut)[tb]) || len(got[tb]) == 0 {
			t.Errorf("%s: %d rows from the topic, %d from the file", tb, len(got[tb]), len(tables(t, fileOut)[tb]))
		}
	}
	if _, err := jobs.Backfill(ctx, cfg, topicOut, jobs.BackfillInput{Topic: cfg.Source.Topic}); err != nil {
		t.Fatalf("backfill of the topic: %v", err)
	}
	equalTables(t, got, tables(t, topicOut))

	// Two members of a new group, each into its own folder: each ends only
	// when the group's committed offsets reach the end offsets, markers
	// included. The one that ends last may take over the partitions of the
	// first after their windows were flushed: it must not flush them again.
	cfg.Source.Group = "pair"
	outs := [2]string{t.TempDir(), t.TempDir()}
	errs := make(chan error, 2)
	for _, out := range outs {
		go func() {
			_, err := jobs.Run(ctx, cfg, out, jobs.RunOpts{ExitAtEnd: true})
			errs <- err
		}()
	}
	for range outs {
		if err := <-errs; err != nil {
			t.Fatalf("a member of two: %v", err)
		}
	}
	pair := tables(t, outs[0])
	for tb, rows := range tables(t, outs[1]) {
		pair[tb] = append(pair[tb], rows...)
		slices.Sort(pair[tb])
	}
	equalTables(t, got, pair)
}

// splitLines cuts a JSONL file into n files of consecutive lines.
func splitLines(t *testing.T, path string, n int) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
	var out []string
	for i := range n {
		p := filepath.Join(t.TempDir(), fmt.Sprintf("part%d.jsonl", i))
		if err := os.WriteFile(p, []byte(strings.Join(lines[i*len(lines)/n:(i+1)*len(lines)/n], "")), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// kfakeTopic starts an in-process broker holding cfg's topic with the given
// partitions, points cfg at it, and returns a client that produces to it
// with records placed by their Partition (and opts).
func kfakeTopic(t *testing.T, cfg *jobs.Config, partitions int32, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, cfg.Source.Topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cfg.Source.Brokers = c.ListenAddrs()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}
