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
	m.DeadLetters.WithLabelValues(p).Add(float64(len(b.DeadLetters)))
	m.LateEvents.WithLabelValues(p).Add(float64(len(b.Late)))
	m.WindowBars.WithLabelValues(p).Add(float64(b.NumBars()))
	for i := range b.Anomalies {
		m.Anomalies.WithLabelValues(b.Anomalies[i].Detector).Inc()
	}
	metrics.Since(m.EpochSeconds, start)
}

// observeLane records a lane's consumer lag and watermark lag after a poll.
func (j *Job) observeLane(l *lane, highWatermark int64, now time.Time) {
	m := j.metrics
	if m == nil {
		return
	}
	p := metrics.Partition(l.partition)
	m.ConsumerLag.WithLabelValues(p).Set(float64(max(0, highWatermark-l.next)))
	if wm := l.win.Watermark(); wm > 0 {
		m.WatermarkLag.WithLabelValues(p).Set(now.Sub(time.UnixMicro(wm)).Seconds())
	}
}
