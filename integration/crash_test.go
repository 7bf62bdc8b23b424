//go:build integration

package integration

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"pricewatch/gen"
)

// TestKillNineAndResume runs the job over a stream of over a million events,
// kills it with SIGKILL at random points at least ten times, restarts it each
// time, and requires the final outputs to equal one uninterrupted run's.
func TestKillNineAndResume(t *testing.T) {
	s := gen.DefaultSpec()
	s.Instruments, s.Events, s.PlantEvery = 2000, 1_000_000, 40
	input, res := workload(t, s)
	cfg := filepath.Join(t.TempDir(), "job.yaml")
	if err := os.WriteFile(cfg, []byte("epoch:\n  records: 20000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	topic := topicName(t)
	b := strings.Join(brokers, ",")
	pricewatch(t, "produce", "--brokers", b, "--topic", topic, "--partitions", partitions, "--input", input)
	out := t.TempDir()
	args := []string{"run", "--config", cfg, "--brokers", b, "--topic", topic, "--group", topic,
		"--instance-id", "crash-test", "--out", out, "--exit-at-end"}

	rng := rand.New(rand.NewPCG(7, 9))
	kills, midStream := 0, 0
	for attempt := 0; kills < 10 && attempt < 40; attempt++ {
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(300+rng.IntN(1500)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			cmd.Wait() // it had finished on its own
			continue
		}
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
			kills++
			if c := committed(t, topic, topic); c > 0 && c < int64(res.Lines) {
				midStream++
			}
		}
	}
	t.Logf("killed the job %d times, %d of them after some and before all offsets were committed", kills, midStream)
	if kills < 10 {
		t.Fatalf("only %d kills hit a running job", kills)
	}
	pricewatch(t, args...)

	fileOut := t.TempDir()
	pricewatch(t, "backfill", "--config", cfg, "--input", input, "--out", fileOut, "--partitions", partitions)
	requireEqual(t, "killed ten times vs uninterrupted", tables(t, out), tables(t, fileOut))
	diff := exec.Command(bin, "diff", out, fileOut)
	if msg, err := diff.CombinedOutput(); err != nil {
		t.Fatalf("pricewatch diff: %v\n%s", err, msg)
	}
}
