//go:build integration

// Package integration runs the pricewatch binary against a real Apache Kafka
// broker named by KAFKA_BROKERS (make test starts one with scripts/kafka.sh).
// Without a broker these tests fail; they never skip.
package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

var (
	brokers []string
	bin     string // the pricewatch binary under test
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	b := os.Getenv("KAFKA_BROKERS")
	if b == "" {
		fmt.Fprintln(os.Stderr, "integration: KAFKA_BROKERS is not set; run `make test` (it starts a real broker) or point KAFKA_BROKERS at a Kafka cluster")
		return 1
	}
	brokers = strings.Split(b, ",")
	if err := describeBroker(); err != nil {
		fmt.Fprintln(os.Stderr, "integration: cannot reach Kafka at", b+":", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "pricewatch-it")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "pricewatch")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/pricewatch").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: cannot build pricewatch: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// describeBroker prints what the broker says it is, so that CI logs show a
// real broker ran.
func describeBroker() error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	vs, err := kadm.NewClient(cl).ApiVersions(ctx)
	if err != nil {
		return err
	}
	for _, v := range vs.Sorted() {
		if v.Err != nil {
			return v.Err
		}
		fmt.Printf("integration: Kafka broker %d at %s speaks the protocol versions of Apache Kafka %s\n",
			v.NodeID, strings.Join(brokers, ","), v.VersionGuess())
	}
	return nil
}

// pricewatch runs the binary to completion and returns its stdout.
func pricewatch(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pricewatch %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), tail(stderr.String()))
	}
	return stdout.String()
}

func tail(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// topicName returns a topic name unique to this test run.
func topicName(t *testing.T) string {
	return fmt.Sprintf("it-%s-%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), time.Now().UnixNano())
}

func admin(t *testing.T) (*kadm.Client, func()) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	return kadm.NewClient(cl), cl.Close
}

// committed returns the sum of a group's committed offsets on a topic.
func committed(t *testing.T, group, topic string) int64 {
	t.Helper()
	adm, done := admin(t)
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offs, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		return 0
	}
	var n int64
	offs.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic && o.Err == nil && o.At > 0 {
			n += o.At
		}
	})
	return n
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
