// Package metrics exposes the job's Prometheus metrics and its health
// endpoints (/metrics, /healthz, /readyz) over HTTP. Counters are updated
// per epoch or per poll, never per event, so the hot path pays nothing.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the job's collectors in a registry of its own. The zero
// value is not usable; use New. A *Metrics is safe for concurrent use, and a
// nil *Metrics ignores every update, so callers need no checks.
type Metrics struct {
	reg            *prometheus.Registry
	ready          atomic.Bool
	RecordsIn      *prometheus.CounterVec
	DecodeFailures *prometheus.CounterVec
	Clamped        *prometheus.CounterVec
	LostOffsets    *prometheus.CounterVec
	DeadLetters    *prometheus.CounterVec
	LateEvents     *prometheus.CounterVec
	Anomalies      *prometheus.CounterVec
	WindowBars     *prometheus.CounterVec
	ConsumerLag    *prometheus.GaugeVec
	WatermarkLag   *prometheus.GaugeVec
	EpochSeconds   prometheus.Histogram
	SinkSeconds    *prometheus.HistogramVec
	Lanes          prometheus.Gauge
}

// New returns the job's metrics, with Go runtime and process collectors.
func New() *Metrics {
	part := []string{"partition"}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		RecordsIn: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pricewatch_records_in_total",
			Help: "Input records processed (durable), by source partition."}, part),
		DecodeFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pricewatch_decode_failures_total",
			Help: "Input records that did not decode, by source partition."}, part),
		Clamped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pricewatch_clamped_events_total",
			Help: "Events whose time was clamped to windows.max_future (future_action clamp), by source partition."}, part),
		LostOffsets: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pricewatch_lost_offsets_total",
			Help: "Input offsets deleted before the job read them and skipped (source.on_data_loss skip), by source partition."}, part),
		DeadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pricewatch_dead_letters_total",
			Help: "Rows written to dead_letters, by source partition."}, part),
		LateEvents: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pricewatch_late_events_total",
			Help: "Rows written to late_events, by source partition."}, part),
		Anomalies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pricewatch_anomalies_total",
			Help: "Anomalies found, by detector."}, []string{"detector"}),
		WindowBars: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pricewatch_window_bars_total",
			Help: "Window results written, by source partition."}, part),
		ConsumerLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "pricewatch_consumer_lag_records",
			Help: "High watermark minus the next offset to process, by partition."}, part),
		WatermarkLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "pricewatch_watermark_lag_seconds",
			Help: "Wall time minus the partition's event-time watermark (processing-time; not part of any output)."}, part),
		EpochSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "pricewatch_epoch_commit_seconds",
			Help:    "Time to make one epoch durable: Parquet files, DuckDB transaction with the checkpoint, alerts.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}),
		SinkSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "pricewatch_sink_write_seconds",
			Help: "Write latency per sink (parquet, duckdb, alerts).", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)},
			[]string{"sink"}),
		Lanes: prometheus.NewGauge(prometheus.GaugeOpts{Name: "pricewatch_lanes_assigned",
			Help: "Partitions this member owns."}),
	}
	m.reg.MustRegister(m.RecordsIn, m.DecodeFailures, m.Clamped, m.LostOffsets, m.DeadLetters, m.LateEvents, m.Anomalies, m.WindowBars,
		m.ConsumerLag, m.WatermarkLag, m.EpochSeconds, m.SinkSeconds, m.Lanes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Partition formats a partition number as a label value.
func Partition(p int32) string { return strconv.Itoa(int(p)) }

// SetReady marks the job ready (every assigned lane restored) or not.
func (m *Metrics) SetReady(ok bool) {
	if m != nil {
		m.ready.Store(ok)
	}
}

// Since observes the seconds since start in h.
func Since(h prometheus.Observer, start time.Time) { h.Observe(time.Since(start).Seconds()) }

// Handler serves /metrics, /healthz (the process is up) and /readyz (200
// once ready, 503 before).
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !m.ready.Load() {
			http.Error(w, "not ready: lanes are restoring", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// Serve listens on addr and serves Handler until ctx ends. It returns the
// bound address (useful with port 0) once listening.
func (m *Metrics) Serve(ctx context.Context, addr string) (string, <-chan error, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("metrics: cannot listen on %q: %w", addr, err)
	}
	srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		done <- err
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	return ln.Addr().String(), done, nil
}
