package jobs

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"pricewatch/kafka"
)

// endMark is the metadata of a committed offset at which a member of a
// bounded run (`run --exit-at-end`) flushed a lane: every window the lane
// held was closed and emitted there. Another member of the run that owns the
// partition afterwards (the group rebalanced as the first one left) rebuilds
// the lane by replay up to that offset; it must not emit those windows
// again, into its own folder.
const endMark = "pricewatch:flushed-at-end"

// markEnds commits the offsets of lanes flushed at the end with endMark, as
// this member of the group's current generation.
func (r *runner) markEnds(ctx context.Context, flushed map[int32]int64) error {
	if len(flushed) == 0 {
		return nil
	}
	// OffsetCommit v10 names topics by id, earlier versions by name.
	td, err := kadm.NewClient(r.cl).ListTopics(ctx, r.cfg.Source.Topic)
	if err == nil {
		err = td.Error()
	}
	if err != nil {
		return fmt.Errorf("jobs: cannot mark the flushed lanes: %w", err)
	}
	member, gen := r.cl.GroupMetadata()
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group, req.Generation, req.MemberID = r.cfg.Source.Group, gen, member
	if r.cfg.Source.InstanceID != "" {
		req.InstanceID = &r.cfg.Source.InstanceID
	}
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic, rt.TopicID = r.cfg.Source.Topic, td[r.cfg.Source.Topic].ID
	meta := endMark
	for _, p := range sortedKeys(flushed) {
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset, rp.LeaderEpoch, rp.Metadata = p, flushed[p], -1, &meta
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, r.cl)
	if err != nil {
		return fmt.Errorf("jobs: cannot mark the flushed lanes: %w", err)
	}
	if err := kafka.CommitError(resp); err != nil {
		return fmt.Errorf("jobs: cannot mark the flushed lanes: %w", err)
	}
	return nil
}

// endMarks returns the partitions whose committed offset carries endMark,
// with that offset.
func (r *runner) endMarks(ctx context.Context) (map[int32]int64, error) {
	offs, err := kadm.NewClient(r.cl).FetchOffsets(ctx, r.cfg.Source.Group)
	if err != nil {
		return nil, fmt.Errorf("jobs: cannot fetch offsets of group %q: %w", r.cfg.Source.Group, err)
	}
	marks := map[int32]int64{}
	offs.Each(func(o kadm.OffsetResponse) {
		if o.Topic == r.cfg.Source.Topic && o.Err == nil && o.Metadata == endMark {
			marks[o.Partition] = o.At
		}
	})
	return marks, nil
}
