//go:build integration

package integration

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"pricewatch/kafka"
	"pricewatch/schemas"
)

// BenchmarkAlertTransaction publishes one alert per transaction, back to
// back, as a streaming run does after every poll that found anomalies: each
// op is one transaction (begin, produce, flush, commit) on the real broker.
// It reports the median and the 90th percentile besides the mean. A
// transaction begun right after the previous commit meets the broker still
// marking the previous one; the broker then waits
// add.partitions.to.txn.retry.backoff.ms before it retries (Kafka's default
// 20 ms; scripts/kafka.sh sets 1 ms).
//
//	KAFKA_BROKERS=127.0.0.1:39092 go test -tags integration ./integration -run XXX -bench AlertTransaction
func BenchmarkAlertTransaction(b *testing.B) {
	ctx := context.Background()
	topic := fmt.Sprintf("it-bench-alerts-%d", time.Now().UnixNano())
	a, err := kafka.NewAlerts(ctx, brokers, topic, topic+"-src", topic, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	row := []schemas.Anomaly{{InstrumentID: "KRX:005930", EventTime: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC).UnixMicro(),
		Detector: "jump", Attribute: "price", Observed: 101, Expected: 100, Threshold: 0.005, Score: 0.5, Reason: "bench"}}
	for i := range 20 { // warm up: connections, the transaction coordinator
		if err := a.Publish(ctx, 0, row, int64(i+1)); err != nil {
			b.Fatal(err)
		}
	}
	took := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		if err := a.Publish(ctx, 0, row, int64(i+21)); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1e3, "p50-ms")
	b.ReportMetric(float64(took[len(took)*9/10].Microseconds())/1e3, "p90-ms")
}
