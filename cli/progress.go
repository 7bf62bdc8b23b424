package cli

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress reports how far a long command has come: a progress bar with
// rate and ETA on a terminal, a log line every interval otherwise. It is an
// io.Writer that counts what is written to it (bytes read, or one byte per
// item). It is safe for concurrent use.
type progress struct {
	bar   *progressbar.ProgressBar // on a terminal
	n     atomic.Int64
	total int64
	stop  chan struct{}
	once  sync.Once
	done  sync.WaitGroup
}

// newProgress starts reporting progress towards total units named unit
// ("bytes" shows sizes and byte rates).
func newProgress(e *env, what, unit string, total int64, every time.Duration) *progress {
	p := &progress{total: total, stop: make(chan struct{})}
	if isTerminal(e.stderr) {
		opts := []progressbar.Option{progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100 * time.Millisecond), progressbar.OptionFullWidth(),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(e.stderr) })}
		if unit == "bytes" {
			opts = append(opts, progressbar.OptionShowBytes(true))
		} else {
			opts = append(opts, progressbar.OptionShowIts(), progressbar.OptionSetItsString(unit))
		}
		p.bar = progressbar.NewOptions64(total, opts...)
		return p
	}
	p.done.Add(1)
	go p.log(e.log, what, unit, every)
	return p
}

func (p *progress) Write(b []byte) (int, error) {
	p.add(int64(len(b)))
	return len(b), nil
}

func (p *progress) add(n int64) {
	if p.bar != nil {
		p.bar.Add64(n)
		return
	}
	p.n.Add(n)
}

// log writes a line every interval: done, total, rate and ETA.
func (p *progress) log(log *slog.Logger, what, unit string, every time.Duration) {
	defer p.done.Done()
	start := time.Now()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			n := p.n.Load()
			el := time.Since(start)
			rate := float64(n) / el.Seconds()
			args := []any{"done", n, "total", p.total, "unit", unit, "rate_per_s", int64(rate)}
			if p.total > 0 {
				args = append(args, "percent", fmt.Sprintf("%.1f", 100*float64(n)/float64(p.total)))
				if rate > 0 {
					args = append(args, "eta", (time.Duration(float64(p.total-n)/rate) * time.Second).Round(time.Second).String())
				}
			}
			log.Info(what, args...)
		}
	}
}

// finish stops reporting.
func (p *progress) finish() {
	p.once.Do(func() {
		if p.bar != nil {
			p.bar.Finish()
			return
		}
		close(p.stop)
		p.done.Wait()
	})
}

var _ io.Writer = (*progress)(nil)
