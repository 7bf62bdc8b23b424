//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/gen"
	"pricewatch/kafka"
)

// TestAlertsExactlyOnce publishes anomalies to an alert topic while the job
// is killed with SIGKILL and restarted; a read_committed consumer of the
// alert topic then sees every anomaly of the outputs exactly once.
func TestAlertsExactlyOnce(t *testing.T) {
	s := gen.DefaultSpec()
	s.Instruments, s.Events, s.PlantEvery = 300, 300_000, 3
	input, _ := workload(t, s)
	topic := topicName(t)
	alerts := topic + "-alerts"
	cfg := filepath.Join(t.TempDir(), "job.yaml")
	yaml := fmt.Sprintf("epoch:\n  records: 2000\nalerts:\n  topic: %s\n  partitions: 2\ndetectors:\n  jump:\n    threshold: 0.003\n", alerts)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	b := strings.Join(brokers, ",")
	pricewatch(t, "produce", "--brokers", b, "--topic", topic, "--partitions", partitions, "--input", input)
	out := t.TempDir()
	args := []string{"run", "--config", cfg, "--brokers", b, "--topic", topic, "--group", topic,
		"--instance-id", "alerts", "--out", out, "--exit-at-end"}
	kills := 0
	for i := 0; i < 12 && kills < 3; i++ {
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(800+300*i) * time.Millisecond)
		if cmd.Process.Signal(syscall.SIGKILL) != nil {
			cmd.Wait()
			continue
		}
		var ee *exec.ExitError
		if err := cmd.Wait(); errors.As(err, &ee) {
			kills++
		}
	}
	t.Logf("killed the job %d times", kills)
	pricewatch(t, args...)

	want := tables(t, out)["anomalies"]
	if len(want) < 100 {
		t.Fatalf("only %d anomalies; the test needs many", len(want))
	}
	got := consumeAlerts(t, alerts)
	if len(got) != len(want) {
		t.Errorf("alert topic has %d alerts, outputs have %d anomalies", len(got), len(want))
	}
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] {
			t.Fatalf("alert published twice: %s", got[i])
		}
	}
	var keys []string
	for _, row := range want {
		f := strings.Split(row, " | ")
		keys = append(keys, fmt.Sprintf("%s/%s/%s/%s", f[9], f[10], f[2], f[0]))
	}
	slices.Sort(keys)
	if !slices.Equal(keys, got) {
		inAlerts := map[string]bool{}
		for _, k := range got {
			inAlerts[k] = true
		}
		var missing []string
		for _, k := range keys {
			if !inAlerts[k] {
				missing = append(missing, k)
			}
		}
		t.Errorf("alerts and anomalies differ; anomalies never alerted (partition/offset/detector/instrument): %v", missing)
	}
}

// consumeAlerts reads an alert topic to its end with read_committed and
// returns "partition/offset/detector/instrument" keys, sorted.
func consumeAlerts(t *testing.T, topic string) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var keys []string
	for idle := 0; idle < 3; {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		fs := cl.PollFetches(ctx)
		cancel()
		if fs.NumRecords() == 0 {
			idle++
			continue
		}
		idle = 0
		fs.EachRecord(func(r *kgo.Record) {
			var m kafka.AlertMessage
			if err := json.Unmarshal(r.Value, &m); err != nil {
				t.Fatalf("alert %q: %v", r.Value, err)
			}
			keys = append(keys, fmt.Sprintf("%d/%d/%s/%s", m.SrcPartition, m.SrcOffset, m.Detector, m.InstrumentID))
		})
	}
	slices.Sort(keys)
	return keys
}

// TestAlertsAcrossMembers runs two members with alerts on; one is killed
// after publishing alerts well before its rows are durable or its offsets
// committed, and the other takes its partitions over after the session
// timeout. The alert topic then holds every anomaly of a single run exactly
// once.
func TestAlertsAcrossMembers(t *testing.T) {
	s := gen.DefaultSpec()
	s.Instruments, s.Events, s.PlantEvery = 300, 200_000, 3
	input, _ := workload(t, s)
	topic := topicName(t)
	alerts := topic + "-alerts"
	cfg := filepath.Join(t.TempDir(), "job.yaml")
	yaml := fmt.Sprintf("source:\n  session_timeout: 6s\nepoch:\n  records: 1000000\n  interval: 10s\n"+
		"alerts:\n  topic: %s\n  partitions: 2\ndetectors:\n  jump:\n    threshold: 0.003\n", alerts)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	one := t.TempDir()
	pricewatch(t, "backfill", "--config", cfg, "--input", input, "--partitions", partitions, "--out", one)
	var want []string
	for _, row := range tables(t, one)["anomalies"] {
		f := strings.Split(row, " | ")
		want = append(want, fmt.Sprintf("%s/%s/%s/%s", f[9], f[10], f[2], f[0]))
	}
	slices.Sort(want)
	if len(want) < 50 {
		t.Fatalf("only %d anomalies; the test needs many", len(want))
	}

	b := strings.Join(brokers, ",")
	group := topic + "-pair"
	start := func(id string) *exec.Cmd {
		cmd := exec.Command(bin, "run", "--config", cfg, "--brokers", b, "--topic", topic, "--group", group,
			"--instance-id", id, "--out", t.TempDir())
		log := &strings.Builder{}
		cmd.Stderr = log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
			if t.Failed() {
				t.Logf("member %s's log:\n%s", id, tail(log.String()))
			}
		})
		return cmd
	}
	parts := splitFile(t, input, 10)
	total := countRecords(t, pricewatch(t, "produce", "--brokers", b, "--topic", topic, "--partitions", partitions, "--input", parts[0]))
	a := start("a")
	bm := start("b")
	waitFor(t, "both members to join", 2*time.Minute, func() bool { return members(t, group) == 2 })
	for _, p := range parts[1:] {
		total += countRecords(t, pricewatch(t, "produce", "--brokers", b, "--topic", topic, "--partitions", partitions, "--input", p))
	}
	waitFor(t, "most alerts to be out", 2*time.Minute, func() bool { return len(consumeAlerts(t, alerts)) >= len(want)*8/10 })
	if c := committed(t, group, topic); c > 0 {
		t.Logf("%d offsets were committed before the kill (the test wants alerts ahead of them)", c)
	}
	bm.Process.Signal(syscall.SIGKILL)
	bm.Wait()
	waitFor(t, "A to take over and commit everything", 3*time.Minute, func() bool { return committed(t, group, topic) >= total })
	a.Process.Signal(syscall.SIGTERM)
	if err := a.Wait(); err != nil {
		t.Fatalf("member A after SIGTERM: %v", err)
	}
	got := consumeAlerts(t, alerts)
	if !slices.Equal(got, want) {
		t.Errorf("the alert topic holds %d alerts, a single run %d anomalies; they differ (duplicates or gaps)", len(got), len(want))
	}
}
