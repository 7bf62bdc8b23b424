package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestProgressLogsOffTerminal checks that, away from a terminal, progress
// is reported as periodic log lines with the share done and an ETA.
func TestProgressLogsOffTerminal(t *testing.T) {
	var stderr bytes.Buffer
	e := &env{stdout: &bytes.Buffer{}, stderr: &stderr, log: newLogger(&stderr)}
	p := newProgress(e, "backfill", "bytes", 1000, 20*time.Millisecond)
	p.Write(make([]byte, 250))
	time.Sleep(100 * time.Millisecond)
	p.finish()
	out := stderr.String()
	for _, want := range []string{`"msg":"backfill"`, `"done":250`, `"total":1000`, `"percent":"25.0"`, `"eta":`} {
		if !strings.Contains(out, want) {
			t.Errorf("progress log lacks %s:\n%s", want, out)
		}
	}
}
