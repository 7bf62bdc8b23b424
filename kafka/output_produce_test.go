package kafka

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestLineProducerWriteEqualsProduce produces the same JSONL once from a file
// (Produce) and once written in odd-sized pieces (LineProducer as an
// io.Writer, as gen writes): both topics hold the same records at the same
// partitions and offsets.
func TestLineProducerWriteEqualsProduce(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, `{"instrument_id":"I%03d","event_time":"2026-01-15T00:00:%02dZ","price":%d}`+"\n", i%37, i%60, 100+i)
		if i%50 == 0 {
			b.WriteString("\n{broken\n")
		}
	}
	data := b.String() + `{"instrument_id":"LAST","event_time":"2026-01-15T00:01:00Z","price":1}` // no final newline
	path := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{"from-file", "from-writes"} {
		if err := CreateTopic(ctx, cl, topic, 3); err != nil {
			t.Fatal(err)
		}
	}
	nf, err := Produce(ctx, cl, "from-file", []string{path})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewLineProducer(ctx, cl, "from-writes")
	if err != nil {
		t.Fatal(err)
	}
	for rest, size := data, 1; len(rest) > 0; size = size%97 + 13 {
		k := min(size, len(rest))
		if _, err := p.Write([]byte(rest[:k])); err != nil {
			t.Fatal(err)
		}
		rest = rest[k:]
	}
	nw, err := p.Close(nil)
	if err != nil {
		t.Fatal(err)
	}
	if nf != 205 || nw != nf {
		t.Fatalf("produced %d records from the file and %d from writes; want 205 each", nf, nw)
	}
	if a, b := topicRecords(t, ctx, c, "from-file", nf), topicRecords(t, ctx, c, "from-writes", nw); a != b {
		t.Errorf("the topics differ:\n%s\n---\n%s", a, b)
	}
}

// topicRecords reads n records of a topic and lists them as
// partition/offset key value, sorted by partition and offset.
func topicRecords(t *testing.T, ctx context.Context, c *kfake.Cluster, topic string, n int64) string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	byPart := map[int32][]string{}
	for got := int64(0); got < n; {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("%s: %d of %d records: %v", topic, got, n, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			byPart[r.Partition] = append(byPart[r.Partition], fmt.Sprintf("%d/%d %s %s", r.Partition, r.Offset, r.Key, r.Value))
			got++
		})
	}
	var out []string
	for p := int32(0); p < 3; p++ {
		out = append(out, byPart[p]...)
	}
	return strings.Join(out, "\n")
}
