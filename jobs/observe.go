package jobs

import (
	"time"

	"pricewatch/metrics"
)

// observe records a sink's write latency.
func (j *Job) observe(sink string, start time.Time) {
	if j.metrics != nil {
		metrics.Since(j.metrics.SinkSeconds.WithLabelValues(sink), start)
	}
}

// count adds a durable epoch's rows to the metrics.
func (j *Job) count(w *epochWork, start time.Time) {
	m := j.metrics
	if m == nil {
		return
	}
	p := metrics.Partition(w.epoch.Partition)
	b := w.batch
	m.RecordsIn.WithLabelValues(p).Add(float64(w.records))
	m.DecodeFailures.WithLabelValues(p).Add(float64(w.decodeFailures))
	m.Clamped.WithLabelValues(p).Add(float64(w.clamped))
	m.DeadLetters.WithLabelValues(p).Add(float64(len(b.DeadLetters)))
	m.LateEvents.WithLabelValues(p).Add(float64(len(b.Late)))
	m.WindowBars.WithLabelValues(p).Add(float64(b.NumBars()))
	for i := range b.Anomalies {
		m.Anomalies.WithLabelValues(b.Anomalies[i].Detector).Inc()
	}
	metrics.Since(m.EpochSeconds, start)
}

// observeLag records a lane's consumer lag after a poll that fetched its
// records.
func (j *Job) observeLag(l *lane, highWatermark int64) {
	if m := j.metrics; m != nil {
		m.ConsumerLag.WithLabelValues(metrics.Partition(l.partition)).Set(float64(max(0, highWatermark-l.next)))
	}
}

// observeWatermark records a lane's watermark lag after every poll, so that
// a quiet partition's lag grows instead of standing still.
func (j *Job) observeWatermark(l *lane, now time.Time) {
	if m := j.metrics; m != nil {
		if wm := l.win.Watermark(); wm > 0 {
			m.WatermarkLag.WithLabelValues(metrics.Partition(l.partition)).Set(now.Sub(time.UnixMicro(wm)).Seconds())
		}
	}
}
