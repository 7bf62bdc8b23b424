package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/kafka"
	"pricewatch/metrics"
)

// lost applies source.on_data_loss to the offsets from..to-1 of partition
// p, which the topic no longer holds although the lane resumes at from:
// an error for "fail"; for "skip" a warning, the count in the stats, and nil.
func (j *Job) lost(log *slog.Logger, topic string, p int32, from, to int64) error {
	if j.cfg.Source.OnDataLoss != OnDataLossSkip {
		return fmt.Errorf("jobs: partition %d of %q no longer holds offsets %d to %d, from where its lane resumes: "+
			"they were deleted (by retention, or delete-records) before the job read them, and the outputs would miss them; "+
			"set source.on_data_loss: skip to go on from offset %d, or replay them from an archive", p, topic, from, to-1, to)
	}
	log.Warn("records were deleted before the job read them; going on without them (source.on_data_loss: skip)",
		"topic", topic, "partition", p, "from", from, "to", to-1, "offsets", to-from)
	j.stats.lost.Add(to - from)
	if j.metrics != nil {
		j.metrics.LostOffsets.WithLabelValues(metrics.Partition(p)).Add(float64(to - from))
	}
	return nil
}

// fetchErrors sorts a poll's fetch errors: the partitions whose offset is
// gone (OFFSET_OUT_OF_RANGE: source.on_data_loss decides, see skipLost), and
// the others, joined (those of a cancelled poll left out).
func fetchErrors(fs kgo.Fetches) (gone []int32, err error) {
	fs.EachError(func(t string, p int32, e error) {
		switch {
		case errors.Is(e, kerr.OffsetOutOfRange):
			gone = append(gone, p)
		case errors.Is(e, context.Canceled), errors.Is(e, context.DeadlineExceeded):
		default:
			err = errors.Join(err, fmt.Errorf("%s/%d: %w", t, p, e))
		}
	})
	if err != nil {
		err = fmt.Errorf("jobs: cannot fetch: %w", err)
	}
	return gone, err
}

// skipLost handles the partitions whose fetch found the lane's offset gone
// (OFFSET_OUT_OF_RANGE; the clients never reset on their own): for each,
// source.on_data_loss decides, and with skip the lane passes the lost
// offsets and the client goes on from the earliest offset left.
func (j *Job) skipLost(ctx context.Context, cl *kgo.Client, log *slog.Logger, topic string, lanes map[int32]*lane, ps []int32) error {
	if len(ps) == 0 {
		return nil
	}
	starts, err := kafka.StartOffsets(ctx, cl, topic)
	if err != nil {
		return err
	}
	set := map[int32]kgo.EpochOffset{}
	for _, p := range ps {
		l := lanes[p]
		if l == nil {
			continue
		}
		if l.next >= starts[p] {
			return fmt.Errorf("jobs: partition %d of %q has no offset %d, where its lane resumes, though its log starts at %d: "+
				"the log ends before it (was the topic deleted and created again? then start a new output folder)", p, topic, l.next, starts[p])
		}
		if err := j.resume(ctx, log, topic, l, starts[p]); err != nil {
			return err
		}
		set[p] = kgo.EpochOffset{Epoch: -1, Offset: l.next}
	}
	cl.SetOffsets(map[string]map[int32]kgo.EpochOffset{topic: set})
	return nil
}

// resume checks a lane's next offset against the earliest offset its
// partition holds, start, and passes the lost ones when the policy allows.
func (j *Job) resume(ctx context.Context, log *slog.Logger, topic string, l *lane, start int64) error {
	if l.next >= start {
		return nil
	}
	if err := j.lost(log, topic, l.partition, l.next, start); err != nil {
		return err
	}
	return l.pass(ctx, start-1)
}
