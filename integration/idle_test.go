//go:build integration

package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"pricewatch/schemas"
)

// TestIdleTimeoutHeartbeats runs the binary with windows.idle_timeout (set
// through the environment) on the real broker: three ticks of the last two
// seconds of 09:00 go to one partition, and nothing follows. The run writes
// a heartbeat into the quiet partition, reads it back and emits the minute's
// bar, stamped with the heartbeat's offset (3); a backfill of the topic reads
// the same heartbeat and writes the same rows.
func TestIdleTimeoutHeartbeats(t *testing.T) {
	input := filepath.Join(t.TempDir(), "ticks.jsonl")
	ticks := `{"instrument_id":"005930","event_time":"2026-01-15T09:00:58Z","price":71200,"volume":10}
{"instrument_id":"005930","event_time":"2026-01-15T09:00:59Z","price":71300,"volume":10}
{"instrument_id":"005930","event_time":"2026-01-15T09:00:59.5Z","price":71250,"volume":20}
`
	if err := os.WriteFile(input, []byte(ticks), 0o644); err != nil {
		t.Fatal(err)
	}
	topic := topicName(t)
	b := strings.Join(brokers, ",")
	pricewatch(t, "produce", "--brokers", b, "--topic", topic, "--partitions", "2", "--input", input)
	env := append(os.Environ(), "PRICEWATCH_WINDOWS_IDLE_TIMEOUT=1s", "PRICEWATCH_WINDOWS_OUT_OF_ORDERNESS=0s",
		"PRICEWATCH_EPOCH_INTERVAL=100ms")
	out := t.TempDir()
	cmd := exec.Command(bin, "run", "--brokers", b, "--topic", topic, "--group", topic, "--out", out)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a heartbeat to be read and committed", time.Minute, func() bool { return committed(t, topic, topic) >= 4 })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run after SIGTERM: %v\n%s", err, tail(stderr.String()))
	}
	want := "005930 | price | tumbling | 2026-01-15T09:00:00Z | 2026-01-15T09:01:00Z | 71200 | 71300 | 71200 | 71250 | 3 | 213750 | 71250 | 1666.6666666666667 | 40 | 71250 | 2026-01-15T09:00:58Z | 2026-01-15T09:00:59.5Z | 0 | 0 | false | "
	bars := tables(t, out)["window_bars"]
	if len(bars) != 1 || !strings.HasPrefix(bars[0], want) || !strings.HasSuffix(bars[0], " | 3") {
		t.Fatalf("window_bars: %q, want one row %q<partition> | 3", bars, want)
	}

	fileOut := t.TempDir()
	cmdB := exec.Command(bin, "backfill", "--brokers", b, "--topic", topic, "--out", fileOut)
	cmdB.Env = env
	if o, err := cmdB.CombinedOutput(); err != nil {
		t.Fatalf("backfill: %v\n%s", err, tail(string(o)))
	}
	got, back := tables(t, out), tables(t, fileOut)
	for _, tb := range schemas.Tables {
		if !slices.Equal(got[tb.Name], back[tb.Name]) {
			t.Errorf("table %s: run %q, backfill of the topic %q", tb.Name, got[tb.Name], back[tb.Name])
		}
	}
}
