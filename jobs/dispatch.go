package jobs

import (
	"context"
	"sync"
)

// chunk is a run of consecutive records of one partition, stored back to
// back: record i is data[ends[i-1]:ends[i]] at offset first+i, and its key
// keys[kends[i-1]:kends[i]] (nil when nokey[i]).
type chunk struct {
	data  []byte
	ends  []int
	keys  []byte
	kends []int
	nokey []bool
	first int64
}

const chunkRecords = 2048

// dispatcher feeds the lanes of a backfill, each on its own goroutine, from
// one reader: the reader appends records to per-partition chunks and hands
// full chunks over. Lanes run in parallel and each still sees its records in
// offset order, so the outputs do not depend on the interleaving. A
// dispatcher is used by one reader goroutine.
type dispatcher struct {
	ctx    context.Context
	cancel context.CancelFunc
	b      *backfill
	feeds  map[int32]chan *chunk
	cur    map[int32]*chunk
	free   sync.Pool
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error
}

func newDispatcher(ctx context.Context, b *backfill) *dispatcher {
	ctx, cancel := context.WithCancel(ctx)
	return &dispatcher{ctx: ctx, cancel: cancel, b: b, feeds: map[int32]chan *chunk{}, cur: map[int32]*chunk{}}
}

// send queues one record of partition p at offset off; raw is copied.
func (d *dispatcher) send(p int32, off int64, key, raw []byte) error {
	c := d.cur[p]
	if c == nil {
		if err := d.start(p); err != nil {
			return err
		}
		c = d.get(off)
		d.cur[p] = c
	}
	c.data = append(c.data, raw...)
	c.ends = append(c.ends, len(c.data))
	c.keys = append(c.keys, key...)
	c.kends = append(c.kends, len(c.keys))
	c.nokey = append(c.nokey, key == nil)
	if len(c.ends) < chunkRecords {
		return nil
	}
	d.cur[p] = d.get(off + 1)
	return d.push(p, c)
}

func (d *dispatcher) get(first int64) *chunk {
	c, _ := d.free.Get().(*chunk)
	if c == nil {
		c = &chunk{}
	}
	c.data, c.ends, c.first = c.data[:0], c.ends[:0], first
	c.keys, c.kends, c.nokey = c.keys[:0], c.kends[:0], c.nokey[:0]
	return c
}

func (d *dispatcher) push(p int32, c *chunk) error {
	select {
	case d.feeds[p] <- c:
		return nil
	case <-d.ctx.Done():
		return d.failure()
	}
}

// start opens partition p's lane and its goroutine.
func (d *dispatcher) start(p int32) error {
	if _, ok := d.feeds[p]; ok {
		return nil
	}
	l, err := d.b.lane(d.ctx, p)
	if err != nil {
		return err
	}
	ch := make(chan *chunk, 4)
	d.feeds[p] = ch
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		for c := range ch {
			if err := d.run(l, c); err != nil {
				d.fail(err)
				for range ch { // drain so the reader never blocks
				}
				return
			}
			d.free.Put(c)
		}
	}()
	return nil
}

func (d *dispatcher) run(l *lane, c *chunk) error {
	start, kstart := 0, 0
	for i, end := range c.ends {
		off := c.first + int64(i)
		if off >= l.next {
			var key []byte
			if !c.nokey[i] {
				key = c.keys[kstart:c.kends[i]:c.kends[i]]
			}
			if err := l.process(d.ctx, key, c.data[start:end], off); err != nil {
				return err
			}
		}
		start, kstart = end, c.kends[i]
	}
	return nil
}

func (d *dispatcher) fail(err error) {
	d.mu.Lock()
	if d.err == nil {
		d.err = err
	}
	d.mu.Unlock()
	d.cancel()
}

func (d *dispatcher) failure() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return d.err
	}
	return d.ctx.Err()
}

// close hands over the last chunks, waits for every lane and returns the
// first error.
func (d *dispatcher) close() error {
	for p, c := range d.cur {
		if len(c.ends) > 0 {
			if err := d.push(p, c); err != nil {
				break
			}
		}
	}
	for _, ch := range d.feeds {
		close(ch)
	}
	d.wg.Wait()
	d.cancel()
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}
