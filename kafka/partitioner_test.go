package kafka

import (
	"context"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Values from Kafka's own UtilsTest.testMurmur2.
func TestMurmur2KafkaVectors(t *testing.T) {
	for in, want := range map[string]int32{
		"21":                         -973932308,
		"foobar":                     -790332482,
		"a-little-bit-long-string":   -985981536,
		"a-little-bit-longer-string": -1486304829,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	} {
		if got := int32(murmur2([]byte(in))); got != want {
			t.Errorf("murmur2(%q) = %d, want %d", in, got, want)
		}
	}
}

// TestPartitionMatchesFranzGo produces keyed records with franz-go's default
// key partitioner to an in-process broker and checks that Partition names
// the partition every record landed in.
func TestPartitionMatchesFranzGo(t *testing.T) {
	const n = 7
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(n, "p"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i := range 200 {
		key := []byte("00" + strconv.Itoa(i*7919))
		r, err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "p", Key: key}).First()
		if err != nil {
			t.Fatal(err)
		}
		if got := Partition(key, n); got != r.Partition {
			t.Fatalf("Partition(%q) = %d, franz-go put it in %d", key, got, r.Partition)
		}
	}
}
