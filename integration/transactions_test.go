//go:build integration

package integration

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/kafka"
)

// TestTransactionalInputTopic writes the input topic with a transactional
// producer, in three committed transactions and an aborted one, so that
// every partition's log ends with a commit marker, an offset that holds no
// record. `run --exit-at-end`, a backfill of the topic and two members of a
// run to the end all finish (they used to wait for that offset forever),
// give the same rows, and as many as a backfill of the file.
func TestTransactionalInputTopic(t *testing.T) {
	input, _ := workload(t, smallSpec())
	topic := topicName(t)
	b := strings.Join(brokers, ",")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	adm, done := admin(t)
	defer done()
	if _, err := adm.CreateTopic(ctx, 4, 1, nil, topic); err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.TransactionalID(topic+"-upstream"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	parts := splitFile(t, input, 3)
	txn := func(path string, commit bool) {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if _, err := kafka.Produce(ctx, cl, topic, []string{path}); err != nil {
			t.Fatal(err)
		}
		if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
			t.Fatal(err)
		}
	}
	txn(parts[0], true)
	txn(parts[1], false)
	txn(parts[1], true)
	txn(parts[2], true)

	runOut, topicOut, fileOut := t.TempDir(), t.TempDir(), t.TempDir()
	bounded(t, ctx, "run", "--brokers", b, "--topic", topic, "--group", topic, "--out", runOut, "--exit-at-end")
	bounded(t, ctx, "backfill", "--brokers", b, "--topic", topic, "--out", topicOut)
	pricewatch(t, "backfill", "--input", input, "--out", fileOut, "--partitions", partitions)
	got := tables(t, runOut)
	requireEqual(t, "run vs backfill of the topic", got, tables(t, topicOut))
	// Two members of another group, each into its own folder: the one that
	// ends last may take over the other's partitions after their windows
	// were flushed, and must not flush them again.
	pairOuts := []string{t.TempDir(), t.TempDir()}
	errs := make(chan error, len(pairOuts))
	for _, out := range pairOuts {
		go func() {
			var stderr bytes.Buffer
			cmd := exec.CommandContext(ctx, bin, "run", "--brokers", b, "--topic", topic, "--group", topic+"-pair", "--out", out, "--exit-at-end")
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				errs <- fmt.Errorf("a member of two: %v\n%s", err, tail(stderr.String()))
				return
			}
			errs <- nil
		}()
	}
	for range pairOuts {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	requireEqual(t, "one member vs two", got, tables(t, pairOuts...))
	file := tables(t, fileOut)
	for _, tb := range []string{"window_bars", "anomalies", "attr_history", "dead_letters"} {
		if len(got[tb]) != len(file[tb]) || len(got[tb]) == 0 {
			t.Errorf("%s: %d rows from the topic, %d from the file", tb, len(got[tb]), len(file[tb]))
		}
	}
}

// bounded runs the binary to completion within ctx's deadline.
func bounded(t *testing.T, ctx context.Context, args ...string) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pricewatch %s: %v (context: %v)\n%s", strings.Join(args, " "), err, ctx.Err(), tail(stderr.String()))
	}
}
