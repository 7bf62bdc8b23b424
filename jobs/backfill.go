package jobs

import (
	"context"

	"pricewatch/files"
	"pricewatch/kafka"
	"pricewatch/schemas"
)

// FilesSource is the checkpoint namespace of file backfills.
const FilesSource = "files"

// Backfill runs the job over JSONL files into out. Each record goes to the
// partition Kafka's key hash gives its instrument_id among
// source.partitions, with offsets counted per partition in file order:
// exactly the partitions and offsets `produce` would give the same files in a
// topic with that many partitions, so that the outputs equal a run's. Every
// lane then runs the same code as `run`, and every open window is closed at
// the end of the input.
//
// A backfill starts from the beginning of the files: an output folder that
// already holds a backfill's checkpoints resumes after them.
func Backfill(ctx context.Context, cfg Config, out string, paths []string) (*Stats, error) {
	j, err := Open(cfg, out, FilesSource)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	n := cfg.Source.Partitions
	lanes := make([]*lane, n)
	resume := make([]int64, n)
	for p := range lanes {
		if lanes[p], err = j.newLane(int32(p)); err != nil {
			return nil, err
		}
		if resume[p], _, err = lanes[p].restore(ctx); err != nil {
			return nil, err
		}
	}
	offsets := make([]int64, n)
	dec := schemas.NewDecoder()
	var ev schemas.Event
	err = files.Lines(paths, func(line []byte) error {
		var key []byte
		if dec.Decode(line, &ev) == nil {
			key = []byte(ev.InstrumentID)
		}
		p := kafka.Partition(key, n)
		off := offsets[p]
		offsets[p]++
		if off < resume[p] {
			return nil // committed by an earlier run into this folder
		}
		return lanes[p].process(ctx, line, off)
	})
	if err != nil {
		return nil, err
	}
	for _, l := range lanes {
		if err := l.finish(ctx); err != nil {
			return nil, err
		}
	}
	return j.Stats(), nil
}
