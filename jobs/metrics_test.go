package jobs_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/jobs"
	"pricewatch/kafka"
)

// sum adds the values of every series of a metric in a Prometheus text page.
func sum(body, name string) float64 {
	var total float64
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, name+" ") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			total += v
		}
	}
	return total
}

// TestMetricsAndHealth runs the job with the metrics endpoint on and checks
// /healthz, /readyz and the counters in /metrics against the input.
func TestMetricsAndHealth(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "prices"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kafka.Produce(context.Background(), cl, "prices", []string{filepath.Join("..", "testdata", "e2e-small.jsonl")}); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	cfg := jobs.DefaultConfig()
	cfg.Source.Brokers = c.ListenAddrs()
	cfg.Metrics.Listen = "127.0.0.1:0"
	cfg.Epoch.Interval = 0
	cfg.Epoch.Records = 1 // every record commits: counters are final once all offsets are
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		_, err := jobs.Run(ctx, cfg, t.TempDir(), jobs.RunOpts{OnListen: func(a string) { addrc <- a }})
		done <- err
	}()
	addr := <-addrc
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	wait := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	wait("/readyz", func() bool { code, _ := get("/readyz"); return code == 200 })
	metric := func(body, line string) bool { return strings.Contains(body, line+"\n") }
	wait("all records counted", func() bool {
		_, body := get("/metrics")
		return sum(body, "pricewatch_records_in_total") == 7
	})
	_, body := get("/metrics")
	if n := sum(body, "pricewatch_dead_letters_total"); n != 1 {
		t.Errorf("dead letters = %v, want 1", n)
	}
	if n := sum(body, "pricewatch_decode_failures_total"); n != 1 {
		t.Errorf("decode failures = %v, want 1", n)
	}
	for _, want := range []string{
		`pricewatch_anomalies_total{detector="jump"} 1`,
		`pricewatch_lanes_assigned 2`,
	} {
		if !metric(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for _, name := range []string{"pricewatch_consumer_lag_records", "pricewatch_watermark_lag_seconds", "pricewatch_epoch_commit_seconds_bucket", "pricewatch_sink_write_seconds_bucket"} {
		if !strings.Contains(body, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
