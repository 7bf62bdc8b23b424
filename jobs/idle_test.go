package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/conf"
	"pricewatch/jobs"
	"pricewatch/kafka"
	"pricewatch/schemas"
)

// TestIdleTimeoutClosesWindows: a partition goes quiet in the middle of a
// minute. With windows.idle_timeout the run writes heartbeats into it, reads
// them back, and the minute's bar is emitted without another tick, stamped
// with the offset of the first heartbeat past the minute. A backfill of the
// topic, heartbeats included, gives the same rows.
func TestIdleTimeoutClosesWindows(t *testing.T) {
	cfg, cl := quietPartition(t)
	runOut := t.TempDir()
	hb := runUntilHeartbeat(t, cfg, cl, runOut)
	want := quietBar(hb)
	got := tables(t, runOut)
	if !slices.Equal(got["window_bars"], want) {
		t.Fatalf("window_bars:\n got  %q\n want %q", got["window_bars"], want)
	}
	if len(got["dead_letters"]) != 0 {
		t.Fatalf("dead_letters: %q", got["dead_letters"])
	}

	// The heartbeats are in the log: a backfill of the topic gives the same
	// bar, closed by the same record (not by its end-of-input flush).
	backOut := t.TempDir()
	if _, err := jobs.Backfill(context.Background(), cfg, backOut, jobs.BackfillInput{Topic: cfg.Source.Topic}); err != nil {
		t.Fatal(err)
	}
	if b := tables(t, backOut)["window_bars"]; !slices.Equal(b, want) {
		t.Fatalf("backfill window_bars:\n got  %q\n want %q", b, want)
	}
}

// TestIdleTimeoutAfterRestart: a run without idle_timeout takes the ticks
// and stops with the minute open; a run with it gets no record at all for
// the partition, restores its lane when the timeout passes, and writes the
// heartbeat that closes the minute.
func TestIdleTimeoutAfterRestart(t *testing.T) {
	cfg, cl := quietPartition(t)
	out := t.TempDir()
	first := cfg
	first.Windows.IdleTimeout = 0
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := jobs.Run(ctx, first, out, jobs.RunOpts{})
		done <- err
	}()
	waitCommitted(t, cl, cfg.Source.Group, cfg.Source.Topic, 3)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if bars := tables(t, out)["window_bars"]; len(bars) != 0 {
		t.Fatalf("the first run closed windows: %q", bars)
	}
	hb := runUntilHeartbeat(t, cfg, cl, out)
	if got, want := tables(t, out)["window_bars"], quietBar(hb); !slices.Equal(got, want) {
		t.Fatalf("window_bars:\n got  %q\n want %q", got, want)
	}
}

// quietPartition starts kfake with two partitions and puts three ticks of
// the last two seconds of 09:00 into partition 0; nothing else follows. It
// returns a config with windows.idle_timeout 1s and a client that reads
// partition 0 from its start.
func quietPartition(t *testing.T) (jobs.Config, *kgo.Client) {
	t.Helper()
	cfg := jobs.DefaultConfig()
	cfg.Source.Partitions = 2
	cfg.Windows.OutOfOrderness = 0
	cfg.Windows.IdleTimeout = conf.Duration(time.Second)
	cfg.Epoch.Interval = conf.Duration(100 * time.Millisecond)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, cfg.Source.Topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cfg.Source.Brokers = c.ListenAddrs()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{cfg.Source.Topic: {0: kgo.NewOffset().AtStart()}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	for _, line := range []string{
		`{"instrument_id":"005930","event_time":"2026-01-15T09:00:58Z","price":71200,"volume":10}`,
		`{"instrument_id":"005930","event_time":"2026-01-15T09:00:59Z","price":71300,"volume":10}`,
		`{"instrument_id":"005930","event_time":"2026-01-15T09:00:59.5Z","price":71250,"volume":20}`,
	} {
		rec := &kgo.Record{Topic: cfg.Source.Topic, Partition: 0, Key: []byte("005930"), Value: []byte(line)}
		if err := cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	return cfg, cl
}

// runUntilHeartbeat runs the job into out until the first heartbeat past
// 09:01 is in partition 0 and the group has committed it, and returns it.
func runUntilHeartbeat(t *testing.T, cfg jobs.Config, cl *kgo.Client, out string) *kgo.Record {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := jobs.Run(ctx, cfg, out, jobs.RunOpts{})
		done <- err
	}()
	hb := waitHeartbeat(t, cl, time.Date(2026, 1, 15, 9, 1, 0, 0, time.UTC).UnixMicro())
	waitCommitted(t, cl, cfg.Source.Group, cfg.Source.Topic, hb.Offset+1)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return hb
}

// quietBar is the 09:00 bar of the three ticks, closed by heartbeat hb.
func quietBar(hb *kgo.Record) []string {
	return []string{"005930 | price | tumbling | 2026-01-15T09:00:00Z | 2026-01-15T09:01:00Z | 71200 | 71300 | 71200 | 71250 | 3 | 213750 | 71250 | 1666.6666666666667 | 40 | 71250 | 2026-01-15T09:00:58Z | 2026-01-15T09:00:59.5Z | 0 | 0 | false | 0 | " +
		strconv.FormatInt(hb.Offset, 10)}
}

// waitHeartbeat reads partition 0 until a heartbeat at or after minT, and
// returns the first such record.
func waitHeartbeat(t *testing.T, cl *kgo.Client, minT int64) *kgo.Record {
	t.Helper()
	dec := schemas.NewDecoder()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		fs := cl.PollFetches(ctx)
		cancel()
		var found *kgo.Record
		fs.EachRecord(func(r *kgo.Record) {
			var ev schemas.Event
			if found == nil && strings.Contains(string(r.Value), "heartbeat") && dec.Decode(r.Value, &ev) == nil &&
				ev.Op == schemas.OpHeartbeat && ev.EventTime >= minT {
				found = r
			}
		})
		if found != nil {
			return found
		}
	}
	t.Fatal("no heartbeat past the minute within 30s")
	return nil
}

// waitCommitted waits until the group has committed partition 0 up to next.
func waitCommitted(t *testing.T, cl *kgo.Client, group, topic string, next int64) {
	t.Helper()
	adm := kadm.NewClient(cl)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		offs, err := adm.FetchOffsets(context.Background(), group)
		if err == nil {
			if o, ok := offs.Lookup(topic, 0); ok && o.At >= next {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("group %s did not commit offset %d within 30s", group, next)
}

// TestHeartbeatLineGoesToEveryPartition: a heartbeat line of a JSONL file
// speaks for the stream: `produce` and a file backfill both send it to every
// partition, where it closes the minute of each instrument (the rows carry
// its offset in each partition, 1); the later minute closes at the end of
// input. Run and backfill write the same rows.
func TestHeartbeatLineGoesToEveryPartition(t *testing.T) {
	ids := idsInPartitions(2)
	lines := []string{
		`{"instrument_id":"` + ids[0] + `","event_time":"2026-01-15T09:00:10Z","price":100}`,
		`{"instrument_id":"` + ids[1] + `","event_time":"2026-01-15T09:00:20Z","price":200}`,
		`{"op":"heartbeat","event_time":"2026-01-15T09:01:05Z"}`,
		`{"instrument_id":"` + ids[0] + `","event_time":"2026-01-15T09:02:10Z","price":101}`,
		`{"instrument_id":"` + ids[1] + `","event_time":"2026-01-15T09:02:20Z","price":201}`,
	}
	input := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(input, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := jobs.DefaultConfig()
	cfg.Source.Partitions = 2
	runOut, fileOut := t.TempDir(), t.TempDir()
	st := runKfake(t, cfg, 2, runOut, input)
	if st.Records() != 6 || st.DeadLetters() != 0 {
		t.Fatalf("stats %s; want 6 records (the heartbeat in both partitions), no dead letters", st)
	}
	if _, err := jobs.Backfill(context.Background(), cfg, fileOut, jobs.BackfillInput{Files: []string{input}}); err != nil {
		t.Fatal(err)
	}
	got := tables(t, runOut)
	equalTables(t, got, tables(t, fileOut))
	var bars []string
	for _, r := range got["window_bars"] {
		f := strings.Split(r, " | ")
		bars = append(bars, strings.Join([]string{f[0], f[3], f[20], f[21]}, " | "))
	}
	slices.Sort(bars)
	want := []string{
		ids[0] + " | 2026-01-15T09:00:00Z | 0 | 1", ids[0] + " | 2026-01-15T09:02:00Z | 0 | 2",
		ids[1] + " | 2026-01-15T09:00:00Z | 1 | 1", ids[1] + " | 2026-01-15T09:02:00Z | 1 | 2",
	}
	slices.Sort(want)
	if !slices.Equal(bars, want) {
		t.Fatalf("window_bars (id, start, src_partition, src_offset):\n got  %q\n want %q", bars, want)
	}
}

// idsInPartitions returns an instrument id for each of n partitions, by
// Kafka's key hash.
func idsInPartitions(n int) []string {
	ids := make([]string, n)
	for i, found := 0, 0; found < n; i++ {
		id := "I" + strconv.Itoa(i)
		if p := kafka.Partition([]byte(id), n); ids[p] == "" {
			ids[p] = id
			found++
		}
	}
	return ids
}
