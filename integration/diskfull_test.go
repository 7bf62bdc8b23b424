//go:build integration

package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"pricewatch/gen"
)

// TestDiskFullStopsAndResumes writes the outputs to a small tmpfs that fills
// up mid-run: the backfill stops with a clear error and commits nothing it
// did not write; after the file system is grown, a rerun into the same folder
// resumes and the outputs equal a clean run's. Mounting needs root, as
// `make test` runs in CI; without it the test fails rather than skips.
func TestDiskFullStopsAndResumes(t *testing.T) {
	s := gen.DefaultSpec()
	s.Instruments, s.Events = 500, 400_000
	input, _ := workload(t, s)
	cfg := filepath.Join(t.TempDir(), "job.yaml")
	if err := os.WriteFile(cfg, []byte("epoch:\n  records: 10000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Fatalf("cannot mount a tmpfs to fill up (needs root): %v\n%s", err, out)
	}
	defer exec.Command("umount", mnt).Run()
	out := filepath.Join(mnt, "out")

	cmd := exec.Command(bin, "backfill", "--config", cfg, "--input", input, "--partitions", partitions, "--out", out)
	msg, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("backfill into a 3 MiB file system succeeded; the test needs it to fill up:\n%s", msg)
	}
	if !strings.Contains(strings.ToLower(string(msg)), "no space left on device") {
		t.Errorf("the error does not say the disk is full:\n%s", tail(string(msg)))
	}
	if o, err := exec.Command("mount", "-o", "remount,size=512m", mnt).CombinedOutput(); err != nil {
		t.Fatalf("cannot grow the tmpfs: %v\n%s", err, o)
	}
	pricewatch(t, "backfill", "--config", cfg, "--input", input, "--partitions", partitions, "--out", out)

	clean := t.TempDir()
	pricewatch(t, "backfill", "--config", cfg, "--input", input, "--partitions", partitions, "--out", clean)
	requireEqual(t, "disk full then resumed vs clean", tables(t, out), tables(t, clean))
}
