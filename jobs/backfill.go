package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/files"
	"pricewatch/kafka"
	"pricewatch/schemas"
)

// FilesSource is the checkpoint namespace of file backfills.
const FilesSource = "files"

// BackfillInput says what a backfill reads. Exactly one of Files, Archive
// and Topic is set.
type BackfillInput struct {
	// Files are JSONL files (plain or gzip). Each record goes to the
	// partition Kafka's key hash gives its instrument_id among
	// source.partitions, with offsets counted per partition in file order:
	// exactly the partitions and offsets `produce` gives the same files in a
	// topic with that many partitions.
	Files []string
	// Archive is a raw-event archive folder (an output folder's archive/, or
	// the output folder itself): its records are replayed with the
	// partitions and offsets they had.
	Archive string
	// Topic is read directly (no consumer group) from its start, or from the
	// first offsets at or after FromTime, up to the end offsets seen at
	// start, or the first offsets at or after ToTime.
	Topic            string
	FromTime, ToTime time.Time
	// Progress, when set, is written every byte read from Files.
	Progress io.Writer
}

func (in *BackfillInput) source() string {
	switch {
	case in.Archive != "":
		return "archive"
	case in.Topic != "":
		return "backfill:" + in.Topic
	}
	return FilesSource
}

// Backfill runs the job over a bounded input into out, with the same lanes
// as `run`, and closes every open window at the end of the input. An output
// folder that already holds this input's checkpoints resumes after them.
func Backfill(ctx context.Context, cfg Config, out string, in BackfillInput) (*Stats, error) {
	j, err := Open(cfg, out, in.source())
	if err != nil {
		return nil, err
	}
	defer j.Close()
	b := &backfill{job: j, lanes: map[int32]*lane{}, progress: in.Progress}
	switch {
	case in.Archive != "":
		err = b.archive(ctx, in.Archive)
	case in.Topic != "":
		err = b.topic(ctx, cfg, in)
	default:
		err = b.files(ctx, in.Files, cfg.Source.Partitions)
	}
	if err != nil {
		return nil, err
	}
	for _, p := range sortedKeys(b.lanes) {
		if err := b.lanes[p].finish(ctx); err != nil {
			return nil, err
		}
	}
	return j.Stats(), nil
}

type backfill struct {
	job      *Job
	lanes    map[int32]*lane
	progress io.Writer
}

// lane returns the lane of partition p, restoring it on first sight.
func (b *backfill) lane(ctx context.Context, p int32) (*lane, error) {
	if l := b.lanes[p]; l != nil {
		return l, nil
	}
	l, err := b.job.newLane(p)
	if err != nil {
		return nil, err
	}
	if _, _, err = l.restore(ctx); err != nil {
		return nil, err
	}
	b.lanes[p] = l
	return l, nil
}

func (b *backfill) files(ctx context.Context, paths []string, n int) error {
	for p := range n { // every partition has a lane, as a topic would
		if _, err := b.lane(ctx, int32(p)); err != nil {
			return err
		}
	}
	offsets := make([]int64, n)
	dec := schemas.NewDecoder()
	var ev schemas.Event
	d := newDispatcher(ctx, b)
	err := files.LinesProgress(paths, b.progress, func(line []byte) error {
		key, heartbeat := dec.Route(line, &ev)
		from, to := kafka.Partitions(key, heartbeat, n)
		for p := from; p < to; p++ {
			if err := d.send(p, offsets[p], nil, line); err != nil {
				return err
			}
			offsets[p]++
		}
		return nil
	})
	if cerr := d.close(); err == nil || cerr != nil {
		err = cerr
	}
	return err
}

// archive replays a raw-event archive in partition and offset order.
func (b *backfill) archive(ctx context.Context, dir string) error {
	if st, err := os.Stat(filepath.Join(dir, ArchiveDir)); err == nil && st.IsDir() {
		dir = filepath.Join(dir, ArchiveDir)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return fmt.Errorf("jobs: cannot open DuckDB: %w", err)
	}
	defer db.Close()
	glob := filepath.Join(dir, "*", "*", "*.parquet")
	rows, err := db.QueryContext(ctx, `SELECT src_partition, src_offset, key, raw FROM read_parquet(?, hive_partitioning = false, union_by_name = true)
		QUALIFY row_number() OVER (PARTITION BY src_partition, src_offset) = 1 ORDER BY src_partition, src_offset`, glob)
	if err != nil {
		return fmt.Errorf("jobs: cannot read the archive %q: %w", dir, err)
	}
	defer rows.Close()
	d := newDispatcher(ctx, b)
	for rows.Next() {
		var p int32
		var off int64
		var key, raw []byte
		if err = rows.Scan(&p, &off, &key, &raw); err != nil {
			break
		}
		if err = d.send(p, off, key, raw); err != nil {
			break
		}
	}
	if err == nil {
		err = rows.Err()
	}
	if cerr := d.close(); err == nil || cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("jobs: cannot replay the archive %q: %w", dir, err)
	}
	return nil
}

// topic reads a bounded range of a topic, every partition from its start
// offset to its end offset.
func (b *backfill) topic(ctx context.Context, cfg Config, in BackfillInput) error {
	sec, err := cfg.Source.Security.Opts()
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(cfg.Source.Brokers...),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// A transaction marker may be the end offset (lane.pass).
		kgo.KeepControlRecords(),
		// A lost offset is for source.on_data_loss (Job.skipLost).
		kgo.ConsumeResetOffset(kgo.NoResetOffset().AtStart())}, sec...)...)
	if err != nil {
		return fmt.Errorf("jobs: cannot create Kafka client: %w", err)
	}
	defer cl.Close()
	starts, ends, err := topicRange(ctx, cl, in)
	if err != nil {
		return err
	}
	assign := map[int32]kgo.Offset{}
	for _, p := range sortedKeys(starts) {
		l, err := b.lane(ctx, p) // a lane for every partition
		if err != nil {
			return err
		}
		// A folder that resumes: are its next offsets still there? (From a
		// time, the start is the user's and the lane skips to it.)
		if l.next > 0 && in.FromTime.IsZero() {
			if err := b.job.resume(ctx, slog.Default(), in.Topic, l, starts[p]); err != nil {
				return err
			}
		}
		if s := max(starts[p], l.next); s < ends[p] {
			assign[p] = kgo.NewOffset().At(s)
		}
	}
	cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{in.Topic: assign})
	for len(assign) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		gone, err := fetchErrors(fs)
		if err == nil {
			err = b.job.skipLost(ctx, cl, slog.Default(), in.Topic, b.lanes, gone)
		}
		if err != nil {
			return err
		}
		// Each partition's records go to its lane; lanes run in parallel,
		// each in offset order, as in `run`.
		var parts []kgo.FetchTopicPartition
		fs.EachPartition(func(fp kgo.FetchTopicPartition) { parts = append(parts, fp) })
		errs := make([]error, len(parts))
		var wg sync.WaitGroup
		for i, fp := range parts {
			wg.Go(func() { errs[i] = feed(ctx, b.lanes[fp.Partition], fp.Records, ends[fp.Partition]) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		for _, fp := range parts {
			if b.lanes[fp.Partition].next >= ends[fp.Partition] {
				delete(assign, fp.Partition)
			}
		}
	}
	return nil
}

// feed hands a partition's fetched records below end to its lane (in `run`
// and topic backfills), skipping those its checkpoint holds; a transaction
// marker only moves the lane on.
func feed(ctx context.Context, l *lane, recs []*kgo.Record, end int64) error {
	for _, r := range recs {
		if r.Offset >= end {
			break
		}
		if r.Offset < l.next {
			continue // committed by an earlier run into this folder
		}
		var err error
		if r.Attrs.IsControl() {
			err = l.pass(ctx, r.Offset)
		} else {
			err = l.process(ctx, r.Key, r.Value, r.Offset)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// topicRange returns the start and end offsets of a topic backfill.
func topicRange(ctx context.Context, cl *kgo.Client, in BackfillInput) (starts, ends map[int32]int64, err error) {
	if in.FromTime.IsZero() {
		starts, err = kafka.StartOffsets(ctx, cl, in.Topic)
	} else {
		starts, err = kafka.OffsetsAfter(ctx, cl, in.Topic, in.FromTime)
	}
	if err != nil {
		return nil, nil, err
	}
	if in.ToTime.IsZero() {
		ends, err = kafka.EndOffsets(ctx, cl, in.Topic)
	} else {
		ends, err = kafka.OffsetsAfter(ctx, cl, in.Topic, in.ToTime)
	}
	if len(starts) == 0 && err == nil {
		err = fmt.Errorf("jobs: topic %q has no partitions (does it exist?)", in.Topic)
	}
	return starts, ends, err
}

func sortedKeys[V any](m map[int32]V) []int32 {
	ps := make([]int32, 0, len(m))
	for p := range m {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}
