package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/jobs"
)

// TestDebeziumRun feeds hand-written Debezium change events (create, update,
// an update of an unconfigured column, snapshot read, delete, tombstone)
// through a topic and `run`: the attribute history follows the configured
// columns, the unconfigured update and the tombstone leave no trace, and the
// delete closes the instrument's intervals.
func TestDebeziumRun(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "refdata.public.instruments"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic("refdata.public.instruments"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"create.schema", "update", "update_unconfigured", "snapshot", "update_no_before", "delete", "tombstone"} {
		key := compact(t, filepath.Join("..", "testdata", "debezium", f+".key.json"))
		value := compact(t, filepath.Join("..", "testdata", "debezium", f+".json"))
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Key: key, Value: value}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	cl.Close()
	cfg, err := jobs.ParseConfig([]byte(`
source:
  topic: refdata.public.instruments
  format: debezium
  debezium:
    time_column: changed_at
    columns: {short_name: kr_short_name, base_price: base_price}
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Source.Brokers = c.ListenAddrs()
	out := t.TempDir()
	st, err := jobs.Run(context.Background(), cfg, out, jobs.RunOpts{ExitAtEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.DeadLetters() != 0 {
		t.Fatalf("stats: %s", st)
	}
	got := tables(t, out)["attr_history"]
	want := []string{
		"1000 | base_price | 17000 | NULL | 2026-01-15T00:00:00Z | 2026-01-15T09:30:00Z | upsert | 1 | 0 | 0 | 1",
		"1000 | base_price | 17500 | NULL | 2026-01-15T09:30:00Z | NULL | upsert | 2 | 0 | 1 | 1",
		"1000 | kr_short_name | NULL | 삼성전자 | 2026-01-15T00:00:00Z | NULL | upsert | 1 | 0 | 0 | 0",
		"1001 | base_price | 131500 | NULL | 2026-01-14T00:00:00Z | 2026-01-15T15:40:00.077Z | upsert | 1 | 0 | 3 | 5",
		"1001 | kr_short_name | NULL | SK하이닉스 | 2026-01-14T00:00:00Z | 2026-01-15T15:40:00.077Z | upsert | 1 | 0 | 3 | 5",
	}
	if !slices.Equal(got, want) {
		t.Errorf("attr_history:\n got  %q\n want %q", got, want)
	}
}

// compact reads a JSON file and returns it on one line.
func compact(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
