package jobs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"pricewatch/parquet"
	"pricewatch/schemas"
)

// ArchiveDir is the raw-event archive's folder inside an output folder:
// archive/event_date=YYYY-MM-DD/partition=P/raw_events-e…-from-to.parquet,
// with event_date=none for records that did not decode.
const ArchiveDir = "archive"

// archive collects the raw records of a lane's open epoch. It is not safe
// for concurrent use.
type archive struct {
	rows []schemas.RawEvent
}

func (a *archive) add(ev *schemas.Event, key, raw []byte, offset int64, decoded bool) {
	a.rows = append(a.rows, schemas.RawEvent{SrcPartition: ev.Partition, SrcOffset: offset,
		InstrumentID: ev.InstrumentID, EventTime: ev.EventTime, Decoded: decoded, Key: bytes.Clone(key), Raw: bytes.Clone(raw)})
}

func (a *archive) reset() {
	clear(a.rows)
	a.rows = a.rows[:0]
}

func archiveDate(r *schemas.RawEvent) string {
	if !r.Decoded {
		return "none"
	}
	return time.UnixMicro(r.EventTime).UTC().Format(time.DateOnly)
}

// write writes the epoch's records, one file per event date, with opts.
func (a *archive) write(mem memory.Allocator, out string, partition int32, epoch, from, to int64, opts ...parquet.Opt) error {
	rows := slices.Clone(a.rows)
	slices.SortStableFunc(rows, func(x, y schemas.RawEvent) int {
		dx, dy := archiveDate(&x), archiveDate(&y)
		switch {
		case dx < dy:
			return -1
		case dx > dy:
			return 1
		}
		return 0
	})
	for i := 0; i < len(rows); {
		date := archiveDate(&rows[i])
		j := i
		for j < len(rows) && archiveDate(&rows[j]) == date {
			j++
		}
		dir := archivePartitionDir(out, date, partition)
		rec := schemas.RawEventsRecord(mem, rows[i:j])
		err := parquet.WriteFile(filepath.Join(dir, parquet.FileName(schemas.RawEvents.Name, epoch, from, to)), rec, opts...)
		rec.Release()
		if err != nil {
			return err
		}
		i = j
	}
	return nil
}

func archivePartitionDir(out, date string, partition int32) string {
	return filepath.Join(out, ArchiveDir, "event_date="+date, "partition="+strconv.Itoa(int(partition)))
}

// removeArchiveAfter deletes a partition's archive files of epochs above
// epochs, in every event-date folder.
func removeArchiveAfter(out string, partition int32, epochs int64) error {
	dates, err := os.ReadDir(filepath.Join(out, ArchiveDir))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("jobs: cannot list the archive: %w", err)
	}
	for _, d := range dates {
		dir := filepath.Join(out, ArchiveDir, d.Name(), "partition="+strconv.Itoa(int(partition)))
		if err := parquet.RemoveAfterIn(dir, schemas.RawEvents.Name, epochs); err != nil {
			return err
		}
	}
	return nil
}
