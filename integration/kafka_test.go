//go:build integration

package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"pricewatch/duckdb"
	"pricewatch/gen"
	"pricewatch/schemas"
)

const partitions = "4"

// workload writes a generated JSONL stream and returns its path and result.
func workload(t *testing.T, s gen.Spec) (string, gen.Result) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.jsonl")
	res, err := gen.WriteFile(path, s)
	if err != nil {
		t.Fatal(err)
	}
	return path, res
}

func smallSpec() gen.Spec {
	s := gen.DefaultSpec()
	s.Instruments, s.Events, s.PlantEvery, s.Malformed = 80, 40000, 8, 7
	return s
}

// tables reads every output table of a folder, or of several folders merged
// (the members of one group: keyed tables keep each key's newest version),
// rows sorted.
func tables(t *testing.T, dirs ...string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, tb := range schemas.Tables {
		rows, err := duckdb.MergedTableRows(context.Background(), dirs, tb)
		if err != nil {
			t.Fatal(err)
		}
		out[tb.Name] = rows
	}
	return out
}

func requireEqual(t *testing.T, what string, a, b map[string][]string) {
	t.Helper()
	for _, tb := range schemas.Tables {
		if !slices.Equal(a[tb.Name], b[tb.Name]) {
			t.Errorf("%s: table %s differs: %d rows vs %d rows", what, tb.Name, len(a[tb.Name]), len(b[tb.Name]))
		}
	}
	if len(a["window_bars"]) == 0 || len(a["anomalies"]) == 0 {
		t.Errorf("%s: expected window bars and anomalies, got %d and %d", what, len(a["window_bars"]), len(a["anomalies"]))
	}
}

// TestProduceRunEqualsBackfill produces a stream to a 4-partition topic on
// the real broker, runs the job to the end, and requires the rows of every
// table to equal a backfill of the same file.
func TestProduceRunEqualsBackfill(t *testing.T) {
	input, res := workload(t, smallSpec())
	topic := topicName(t)
	pricewatch(t, "produce", "--brokers", strings.Join(brokers, ","), "--topic", topic, "--partitions", partitions, "--input", input)
	runOut, fileOut := t.TempDir(), t.TempDir()
	out := pricewatch(t, "run", "--brokers", strings.Join(brokers, ","), "--topic", topic, "--group", topic, "--out", runOut, "--exit-at-end")
	t.Log(strings.TrimSpace(out))
	pricewatch(t, "backfill", "--input", input, "--out", fileOut, "--partitions", partitions)
	got := tables(t, runOut)
	requireEqual(t, "run vs backfill", got, tables(t, fileOut))
	if n := len(got["dead_letters"]); n != smallSpec().Malformed {
		t.Errorf("dead_letters: %d rows, want %d", n, smallSpec().Malformed)
	}
	if !strings.Contains(out, "records="+itoa(res.Lines)) {
		t.Errorf("run did not report %d records: %s", res.Lines, out)
	}
}

// TestStopAndResume stops a streaming run with SIGTERM after it consumed the
// first half of the stream, produces the second half, and runs again to the
// end: the outputs equal one uninterrupted run's.
func TestStopAndResume(t *testing.T) {
	input, _ := workload(t, smallSpec())
	data, err := os.ReadFile(input)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	dir := t.TempDir()
	first, second := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	os.WriteFile(first, []byte(strings.Join(lines[:len(lines)/2], "")), 0o644)
	os.WriteFile(second, []byte(strings.Join(lines[len(lines)/2:], "")), 0o644)

	topic := topicName(t)
	b := strings.Join(brokers, ",")
	pricewatch(t, "produce", "--brokers", b, "--topic", topic, "--partitions", partitions, "--input", first)
	out := t.TempDir()
	cmd := exec.Command(bin, "run", "--brokers", b, "--topic", topic, "--group", topic, "--out", out)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	half := int64(len(lines[:len(lines)/2]))
	waitFor(t, "the first half to be committed", 2*time.Minute, func() bool { return committed(t, topic, topic) >= half })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run after SIGTERM: %v\n%s", err, tail(stderr.String()))
	}
	pricewatch(t, "produce", "--brokers", b, "--topic", topic, "--partitions", partitions, "--input", second)
	pricewatch(t, "run", "--brokers", b, "--topic", topic, "--group", topic, "--out", out, "--exit-at-end")

	fileOut := t.TempDir()
	pricewatch(t, "backfill", "--input", input, "--out", fileOut, "--partitions", partitions)
	requireEqual(t, "stopped and resumed vs uninterrupted", tables(t, out), tables(t, fileOut))
}

// TestTwoInstancesShareTheGroup runs two instances in one consumer group
// over the same topic; together they write exactly what one instance writes.
func TestTwoInstancesShareTheGroup(t *testing.T) {
	input, _ := workload(t, smallSpec())
	b := strings.Join(brokers, ",")
	topic := topicName(t)
	adm, done := admin(t)
	defer done()
	ctx := context.Background()
	if _, err := adm.CreateTopic(ctx, 4, 1, nil, topic); err != nil {
		t.Fatal(err)
	}
	group := topic + "-two"
	outs := []string{t.TempDir(), t.TempDir()}
	var cmds []*exec.Cmd
	for _, o := range outs {
		cmd := exec.Command(bin, "run", "--brokers", b, "--topic", topic, "--group", group, "--out", o)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	// Both members own partitions before any record arrives.
	waitFor(t, "two members with two partitions each", 2*time.Minute, func() bool {
		gs, err := adm.DescribeGroups(ctx, group)
		if err != nil {
			return false
		}
		g := gs[group]
		if g.State != "Stable" || len(g.Members) != 2 {
			return false
		}
		for _, m := range g.Members {
			ca, ok := m.Assigned.AsConsumer()
			if !ok || len(ca.Topics) != 1 || len(ca.Topics[0].Partitions) != 2 {
				return false
			}
		}
		return true
	})
	n := pricewatch(t, "produce", "--brokers", b, "--topic", topic, "--input", input)
	total := countRecords(t, n)
	waitFor(t, "both members to commit everything", 2*time.Minute, func() bool { return committed(t, group, topic) >= total })
	for _, cmd := range cmds {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	// One instance, same topic, its own group, stopped the same way.
	one := t.TempDir()
	cmd := exec.Command(bin, "run", "--brokers", b, "--topic", topic, "--group", topic+"-one", "--out", one)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the single instance to commit everything", 2*time.Minute, func() bool { return committed(t, topic+"-one", topic) >= total })
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	requireEqual(t, "two instances vs one", tables(t, outs...), tables(t, one))
}

// TestMalformedRecordsGoToDeadLetters sends a topic with malformed records
// of several kinds; each reaches dead_letters and every valid event is
// processed.
func TestMalformedRecordsGoToDeadLetters(t *testing.T) {
	bad := []string{
		`not json at all`,
		`{"instrument_id":"005930"}`,
		`{"instrument_id":42,"event_time":"2026-01-15T09:00:00Z","price":1}`,
		`{"instrument_id":"005930","event_time":"2026-01-15T09:00:00Z","price":{"nested":1}}`,
		`{"instrument_id":"005930","event_time":"yesterday","price":1}`,
		`{"instrument_id":"005930","event_time":"2026-01-15T09:00:00Z","price":1`,
	}
	good := []string{
		`{"instrument_id":"005930","event_time":"2026-01-15T09:00:00Z","seq":1,"price":71200,"volume":3}`,
		`{"instrument_id":"005930","event_time":"2026-01-15T09:00:10Z","seq":2,"price":71300,"volume":4}`,
		`{"instrument_id":"000660","event_time":"2026-01-15T09:00:20Z","seq":1,"price":120000,"volume":1}`,
	}
	var all []string
	for i := range bad {
		all = append(all, bad[i])
		if i < len(good) {
			all = append(all, good[i])
		}
	}
	input := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(input, []byte(strings.Join(all, "\n")+"\n"), 0o644)
	topic := topicName(t)
	b := strings.Join(brokers, ",")
	pricewatch(t, "produce", "--brokers", b, "--topic", topic, "--partitions", partitions, "--input", input)
	out := t.TempDir()
	stdout := pricewatch(t, "run", "--brokers", b, "--topic", topic, "--group", topic, "--out", out, "--exit-at-end")
	if !strings.Contains(stdout, "records=9 events=3 dead_letters=6") {
		t.Errorf("run reported %q; want 9 records, 3 events, 6 dead letters", stdout)
	}
	got := tables(t, out)
	if len(got["dead_letters"]) != len(bad) {
		t.Fatalf("dead_letters = %q, want %d rows", got["dead_letters"], len(bad))
	}
	for _, b := range bad {
		found := false
		for _, row := range got["dead_letters"] {
			found = found || strings.Contains(row, strings.ReplaceAll(b, `"`, `\"`))
		}
		if !found {
			t.Errorf("malformed record %s is not in dead_letters", b)
		}
	}
	bars := 0
	for _, row := range got["window_bars"] {
		if strings.Contains(row, "| price |") {
			bars++
		}
	}
	if bars != 2 { // 005930 [09:00,09:01) and 000660 [09:00,09:01)
		t.Errorf("window_bars = %q, want one bar per instrument", got["window_bars"])
	}
}

// countRecords reads the record count from produce's output line.
func countRecords(t *testing.T, out string) int64 {
	t.Helper()
	var n int64
	if _, err := fmtSscanf(out, "produce: %d records", &n); err != nil {
		t.Fatalf("cannot read produce output %q: %v", out, err)
	}
	return n
}

// instance is a `pricewatch run` in the background.
type instance struct {
	cmd    *exec.Cmd
	stderr *strings.Builder
}

func startRun(t *testing.T, topic, group, out string) *instance {
	t.Helper()
	in := &instance{stderr: &strings.Builder{}}
	in.cmd = exec.Command(bin, "run", "--brokers", strings.Join(brokers, ","), "--topic", topic, "--group", group, "--out", out)
	in.cmd.Stderr = in.stderr
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return in
}

// stop sends SIGTERM and waits for a clean exit.
func (in *instance) stop(t *testing.T) {
	t.Helper()
	in.cmd.Process.Signal(syscall.SIGTERM)
	if err := in.cmd.Wait(); err != nil {
		t.Fatalf("run after SIGTERM: %v\n%s", err, tail(in.stderr.String()))
	}
}

// splitFile cuts a JSONL file into n consecutive parts.
func splitFile(t *testing.T, path string, n int) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
	var parts []string
	for i := range n {
		p := filepath.Join(t.TempDir(), "part.jsonl")
		chunk := lines[i*len(lines)/n : (i+1)*len(lines)/n]
		if err := os.WriteFile(p, []byte(strings.Join(chunk, "")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	return parts
}

// TestRebalanceMidStream lets a second instance join the group mid-stream
// and later leave it. The partitions it takes over carry on from the other
// member's committed offsets with the state rebuilt from the log, and the
// two output folders together hold exactly what one instance writes.
func TestRebalanceMidStream(t *testing.T) {
	input, _ := workload(t, smallSpec())
	parts := splitFile(t, input, 3)
	topic := topicName(t)
	b := strings.Join(brokers, ",")
	group := topic + "-pair"
	produce := func(p string) int64 {
		return countRecords(t, pricewatch(t, "produce", "--brokers", b, "--topic", topic, "--partitions", partitions, "--input", p))
	}
	outA, outB := t.TempDir(), t.TempDir()
	total := produce(parts[0])
	a := startRun(t, topic, group, outA)
	waitFor(t, "A to commit the first third", 2*time.Minute, func() bool { return committed(t, group, topic) >= total })
	bInst := startRun(t, topic, group, outB)
	waitFor(t, "B to join", 2*time.Minute, func() bool { return members(t, group) == 2 })
	total += produce(parts[1])
	waitFor(t, "the pair to commit the second third", 2*time.Minute, func() bool { return committed(t, group, topic) >= total })
	bInst.stop(t)
	waitFor(t, "B to leave", 2*time.Minute, func() bool { return members(t, group) == 1 })
	total += produce(parts[2])
	waitFor(t, "A to commit the rest", 2*time.Minute, func() bool { return committed(t, group, topic) >= total })
	a.stop(t)
	if !strings.Contains(bInst.stderr.String(), "lane replays to rebuild state") && !strings.Contains(a.stderr.String(), "lane replays to rebuild state") {
		t.Error("no lane replayed: the partitions did not move mid-stream")
	}

	one := t.TempDir()
	single := startRun(t, topic, topic+"-one", one)
	waitFor(t, "the single instance to commit everything", 2*time.Minute, func() bool { return committed(t, topic+"-one", topic) >= total })
	single.stop(t)
	requireEqual(t, "two instances with a rebalance vs one", tables(t, outA, outB), tables(t, one))
}

// members returns the number of members of a stable group, 0 otherwise.
func members(t *testing.T, group string) int {
	adm, done := admin(t)
	defer done()
	gs, err := adm.DescribeGroups(context.Background(), group)
	if err != nil || gs[group].State != "Stable" {
		return 0
	}
	return len(gs[group].Members)
}

// TestParity compares a streaming run with the archive on, a backfill from
// the topic, a backfill from the archive and a backfill from the JSONL file:
// all four output sets are equal, and `pricewatch diff` says so.
func TestParity(t *testing.T) {
	input, _ := workload(t, smallSpec())
	topic := topicName(t)
	b := strings.Join(brokers, ",")
	cfg := filepath.Join(t.TempDir(), "job.yaml")
	if err := os.WriteFile(cfg, []byte("archive:\n  enabled: true\nepoch:\n  records: 5000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pricewatch(t, "produce", "--brokers", b, "--topic", topic, "--partitions", partitions, "--input", input)
	runOut, topicOut, archOut, fileOut := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	pricewatch(t, "run", "--config", cfg, "--brokers", b, "--topic", topic, "--group", topic, "--out", runOut, "--exit-at-end")
	pricewatch(t, "backfill", "--brokers", b, "--topic", topic, "--out", topicOut)
	pricewatch(t, "backfill", "--archive", runOut, "--out", archOut)
	pricewatch(t, "backfill", "--input", input, "--partitions", partitions, "--out", fileOut)
	want := tables(t, runOut)
	for name, dir := range map[string]string{"topic": topicOut, "archive": archOut, "jsonl": fileOut} {
		requireEqual(t, "run vs backfill from "+name, want, tables(t, dir))
		if msg, err := exec.Command(bin, "diff", runOut, dir).CombinedOutput(); err != nil {
			t.Errorf("pricewatch diff run %s: %v\n%s", name, err, msg)
		}
	}
}
