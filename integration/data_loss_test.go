//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
)

// TestDataLoss deletes records (as retention does) past the offset where a
// folder's lane resumes: `run` stops with the partition and the lost
// offsets; with PRICEWATCH_SOURCE_ON_DATA_LOSS=skip it goes on, counting
// them.
func TestDataLoss(t *testing.T) {
	input, _ := workload(t, smallSpec())
	parts := splitFile(t, input, 2)
	topic := topicName(t)
	b := strings.Join(brokers, ",")
	first := countRecords(t, pricewatch(t, "produce", "--brokers", b, "--topic", topic, "--partitions", "1", "--input", parts[0]))
	out := t.TempDir()
	args := []string{"run", "--brokers", b, "--topic", topic, "--group", topic, "--out", out, "--exit-at-end"}
	pricewatch(t, args...)
	second := countRecords(t, pricewatch(t, "produce", "--brokers", b, "--topic", topic, "--input", parts[1]))
	adm, done := admin(t)
	defer done()
	resp, err := adm.DeleteRecords(context.Background(), kadm.Offsets{topic: {0: {Topic: topic, At: first + 100}}})
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatal(err)
	}

	msg, err := exec.Command(bin, args...).CombinedOutput()
	want := fmt.Sprintf("partition 0 of %q no longer holds offsets %d to %d", topic, first, first+99)
	if err == nil || !strings.Contains(string(msg), want) {
		t.Errorf("run over deleted records: %v\n%s\nwant an error containing %q", err, tail(string(msg)), want)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "PRICEWATCH_SOURCE_ON_DATA_LOSS=skip")
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("run with skip: %v", err)
	}
	if want := fmt.Sprintf("records=%d ", second-100); !strings.Contains(string(stdout), want) || !strings.Contains(string(stdout), " lost_offsets=100") {
		t.Errorf("run with skip: %s; want %s and lost_offsets=100", stdout, want)
	}
}
