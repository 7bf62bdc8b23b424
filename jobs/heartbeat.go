package jobs

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// A quiet partition's windows would stay open until its next record: the
// last bar of a trading day would wait for the next morning. With
// windows.idle_timeout, `run` writes a heartbeat record (schemas.OpHeartbeat)
// into each of its partitions that has had no record for that long, at the
// partition's newest event time plus the wall time it has been quiet. The
// lane reads it back like any record and its clock moves on: windows close,
// stale instruments are flagged. The wall clock enters the input log, not
// the computation, so a backfill or a replay of the topic gives the same rows
// (design decision 1). A heartbeat is appended after every record already
// in the partition, so it never makes a record that was waiting to be read
// late; it asserts only that records written after it are not older than its
// time less out_of_orderness.

// heartbeatLayout is the event_time of a heartbeat: RFC 3339, microseconds.
const heartbeatLayout = "2006-01-02T15:04:05.000000Z07:00"

// heartbeatValue is the record of a heartbeat at event time t (microseconds).
func heartbeatValue(t int64) []byte {
	b := append([]byte(nil), `{"op":"heartbeat","event_time":"`...)
	b = time.UnixMicro(t).UTC().AppendFormat(b, heartbeatLayout)
	return append(b, `"}`...)
}

// heartbeatTime returns the event time of a heartbeat for a lane whose
// newest event time is newest and that has been quiet for quiet: newest +
// quiet, at most maxFuture ahead of newest when maxFuture > 0 (so the
// heartbeat is never refused or clamped by windows.max_future).
func heartbeatTime(newest int64, quiet time.Duration, maxFuture int64) int64 {
	t := newest + quiet.Microseconds()
	if maxFuture > 0 {
		t = min(t, newest+maxFuture)
	}
	return t
}

// heartbeats writes a heartbeat into every partition of this member whose
// lane has seen an event and no record for windows.idle_timeout (counted
// from its assignment at the earliest), and notes the partitions that got
// records in this poll. Lanes are open for every assigned partition (adjust
// opens them). The caller holds r.mu.
func (r *runner) heartbeats(ctx context.Context, fs kgo.Fetches, now time.Time) error {
	idle := time.Duration(r.cfg.Windows.IdleTimeout)
	if idle <= 0 {
		return nil
	}
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		if slices.ContainsFunc(p.Records, isData) {
			r.heard[p.Partition] = now
		}
	})
	for _, p := range r.owned() {
		heard, ok := r.heard[p]
		if !ok {
			r.heard[p] = now
			continue
		}
		quiet := now.Sub(heard)
		newest, seen := r.lanes[p].win.MaxEventTime()
		if quiet < idle || !seen {
			continue
		}
		t := heartbeatTime(newest, quiet, r.cfg.Windows.MaxFuture.Micros())
		rec := &kgo.Record{Topic: r.cfg.Source.Topic, Partition: p, Value: heartbeatValue(t)}
		if err := r.cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
			return fmt.Errorf("jobs: cannot write a heartbeat into %s/%d (windows.idle_timeout needs write access to the input topic): %w",
				r.cfg.Source.Topic, p, err)
		}
		r.heard[p] = now
		r.log.Debug("heartbeat", "partition", p, "event_time", time.UnixMicro(t).UTC(), "quiet", quiet)
	}
	return nil
}

// isData reports whether r is a record rather than a transaction marker.
func isData(r *kgo.Record) bool { return !r.Attrs.IsControl() }
