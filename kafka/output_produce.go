package kafka

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/files"
	"pricewatch/schemas"
)

// Produce publishes every non-blank line of the JSONL files to topic, in
// order, keyed by the event's instrument_id and placed with Partition, so that
// a backfill of the same files with the topic's partition count reproduces
// the topic's partitions and offsets. Lines that do not decode are sent
// without a key (to Partition(nil)): they are the job's to reject. A
// heartbeat line ({"op":"heartbeat",...}) is sent to every partition. It
// returns the number of records produced.
func Produce(ctx context.Context, cl *kgo.Client, topic string, paths []string) (int64, error) {
	p, err := NewLineProducer(ctx, cl, topic)
	if err != nil {
		return 0, err
	}
	err = files.Lines(paths, p.Line)
	return p.Close(err)
}

// LineProducer publishes JSONL lines to a topic as Produce does, one line at
// a time; as an io.Writer it takes any split of a JSONL stream (gen writes
// into it). It is not safe for concurrent use.
type LineProducer struct {
	ctx   context.Context
	cl    *kgo.Client
	topic string
	parts int
	dec   *schemas.Decoder
	ev    schemas.Event
	n     int64
	part  []byte // a line not yet ended, for Write

	mu    sync.Mutex
	first error
}

// NewLineProducer returns a producer to topic, which must exist.
func NewLineProducer(ctx context.Context, cl *kgo.Client, topic string) (*LineProducer, error) {
	parts, err := PartitionCount(ctx, cl, topic)
	if err != nil {
		return nil, err
	}
	return &LineProducer{ctx: ctx, cl: cl, topic: topic, parts: parts, dec: schemas.NewDecoder()}, nil
}

// Line publishes one line (without its newline; blank lines are skipped). It
// copies line.
func (p *LineProducer) Line(line []byte) error {
	if len(bytes.TrimSpace(line)) == 0 {
		return p.ctx.Err()
	}
	k, heartbeat := p.dec.Route(line, &p.ev)
	var key []byte
	if k != nil {
		key = append([]byte(nil), k...)
	}
	from, to := Partitions(key, heartbeat, p.parts)
	for part := from; part < to; part++ {
		p.cl.Produce(p.ctx, &kgo.Record{Topic: p.topic, Key: key, Value: append([]byte(nil), line...), Partition: part}, p.done)
		p.n++
	}
	return p.ctx.Err()
}

// Write publishes the complete lines of b, keeping a trailing partial line
// for the next call (Close publishes it).
func (p *LineProducer) Write(b []byte) (int, error) {
	n := len(b)
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.part = append(p.part, b...)
			return n, nil
		}
		line := b[:i]
		if len(p.part) > 0 {
			p.part = append(p.part, line...)
			line = p.part
		}
		if err := p.Line(line); err != nil {
			return n - len(b), err
		}
		p.part, b = p.part[:0], b[i+1:]
	}
}

func (p *LineProducer) done(_ *kgo.Record, err error) {
	if err != nil {
		p.mu.Lock()
		if p.first == nil {
			p.first = err
		}
		p.mu.Unlock()
	}
}

// Close publishes a last unended line, waits until every record is
// acknowledged, and returns the number of records produced and the first
// error: err (the caller's, if any), then Kafka's.
func (p *LineProducer) Close(err error) (int64, error) {
	if err == nil && len(p.part) > 0 {
		err = p.Line(p.part)
	}
	if ferr := p.cl.Flush(p.ctx); err == nil {
		err = ferr
	}
	p.mu.Lock()
	if err == nil {
		err = p.first
	}
	p.mu.Unlock()
	if err != nil {
		return p.n, fmt.Errorf("kafka: cannot produce to %q: %w", p.topic, err)
	}
	return p.n, nil
}
