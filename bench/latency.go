package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/kafka"
	"pricewatch/schemas"
)

// latencyWarmup is how long the latency run produces at its rate before it
// measures: the first seconds of a fresh job (new instruments, growing state
// and heap) are not its steady state.
const latencyWarmup = 3 * time.Second

type latencies struct {
	p50, p99 time.Duration
	n        int
}

// latencyConfig: the default job with alerts on (published after each poll,
// not when their epoch is durable), and a jump threshold that fires often
// enough to give a sample.
const latencyConfig = `alerts:
  topic: %s
detectors:
  jump:
    threshold: 0.003
`

// latency produces the workload's first Rate×(warmup+10 s) events at a fixed
// rate to a fresh topic while the job runs with alerts on, and measures the
// time from handing each event to the producer to reading its alert
// (read_committed), for the events after the warm-up: the steady state.
func latency(ctx context.Context, s Spec, _ string) (latencies, error) {
	topic := fmt.Sprintf("bench-lat-%d", time.Now().UnixNano())
	alerts := topic + "-alerts"
	cfg := filepath.Join(s.Dir, "latency.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(latencyConfig, alerts)), 0o644); err != nil {
		return latencies{}, err
	}
	brokers := []string{s.Brokers}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0))
	if err != nil {
		return latencies{}, err
	}
	defer cl.Close()
	if err := kafka.CreateTopic(ctx, cl, topic, 4); err != nil {
		return latencies{}, err
	}
	defer func() { // after the job has stopped (defers run last first)
		if err := deleteTopics(context.Background(), s.Brokers, topic, alerts, alerts+".progress"); err != nil {
			fmt.Fprintln(s.Log, err)
		}
	}()
	out := filepath.Join(s.Dir, "out-latency")
	os.RemoveAll(out)
	job := exec.CommandContext(ctx, s.Bin, "run", "--config", cfg, "--brokers", s.Brokers, "--topic", topic, "--group", topic, "--out", out)
	logf, err := os.Create(out + ".log") // the job's log, for a look at its epochs and pauses
	if err != nil {
		return latencies{}, err
	}
	defer logf.Close()
	job.Stdout, job.Stderr = logf, logf
	if err := job.Start(); err != nil {
		return latencies{}, err
	}
	defer func() { job.Process.Signal(syscall.SIGTERM); job.Wait() }()
	time.Sleep(3 * time.Second) // the job joins the group and creates the alert topic

	// The input is read and keyed before the clock starts, and send times go
	// to slices indexed by offset (a fresh topic's offsets are dense from
	// 0): the load generator shares the machine's cores with the job and
	// the broker, and should take as little of them as it can.
	total := s.Rate * int(latencyWarmup/time.Second+10)
	in, err := loadInput(filepath.Join(s.Dir, "workload.jsonl"), total)
	if err != nil {
		return latencies{}, err
	}
	var mu sync.Mutex
	sent := make([][]int64, 4) // per partition, by offset: send time, UnixNano
	var lat []time.Duration
	var sendErr error
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	start := time.Now()
	measureFrom := start.Add(latencyWarmup).UnixNano()
	go func() {
		done <- readAlerts(cctx, brokers, alerts, func(p int32, off int64, at time.Time) {
			mu.Lock()
			if p >= 0 && int(p) < len(sent) && off >= 0 && off < int64(len(sent[p])) && sent[p][off] >= measureFrom {
				lat = append(lat, at.Sub(time.Unix(0, sent[p][off])))
			}
			mu.Unlock()
		})
	}()
	for i := range in.n {
		if i%1000 == 0 { // pace: event i is due at start + i/rate
			if d := time.Until(start.Add(time.Duration(float64(i) / float64(s.Rate) * float64(time.Second)))); d > 0 {
				time.Sleep(d)
			}
		}
		key := in.key(i)
		at := time.Now().UnixNano()
		cl.Produce(ctx, &kgo.Record{Topic: topic, Key: key, Value: in.line(i), Partition: kafka.Partition(key, 4)}, func(r *kgo.Record, err error) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				sendErr = errors.Join(sendErr, err)
			case r.Offset != int64(len(sent[r.Partition])): // callbacks of a partition come in offset order
				sendErr = errors.Join(sendErr, fmt.Errorf("bench: partition %d: offset %d, want %d", r.Partition, r.Offset, len(sent[r.Partition])))
			default:
				sent[r.Partition] = append(sent[r.Partition], at)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		return latencies{}, err
	}
	time.Sleep(3 * time.Second) // the last epochs commit and their alerts arrive
	stop()
	if err := <-done; err != nil {
		return latencies{}, err
	}
	mu.Lock()
	defer mu.Unlock()
	if sendErr != nil {
		return latencies{}, sendErr
	}
	if len(lat) == 0 {
		return latencies{}, fmt.Errorf("bench: no alerts arrived")
	}
	slices.Sort(lat)
	q := func(f float64) time.Duration { return lat[int(f*float64(len(lat)-1))].Round(100 * time.Microsecond) }
	return latencies{p50: q(0.50), p99: q(0.99), n: len(lat)}, nil
}

// input is the first lines of the workload in memory, with their keys.
type input struct {
	buf  []byte
	ends []int // line i is buf[ends[i-1]:ends[i]], its key follows it up to keyEnds[i]
	keys []int
	n    int
}

func (in *input) line(i int) []byte {
	from := 0
	if i > 0 {
		from = in.keys[i-1]
	}
	return in.buf[from:in.ends[i]:in.ends[i]]
}

func (in *input) key(i int) []byte { return in.buf[in.ends[i]:in.keys[i]:in.keys[i]] }

// loadInput reads up to n lines of the workload and their partition keys.
func loadInput(path string, n int) (*input, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	dec := schemas.NewDecoder()
	var ev schemas.Event
	in := &input{}
	for in.n < n && sc.Scan() {
		in.buf = append(in.buf, sc.Bytes()...)
		in.ends = append(in.ends, len(in.buf))
		in.buf = append(in.buf, dec.Key(sc.Bytes(), &ev)...)
		in.keys = append(in.keys, len(in.buf))
		in.n++
	}
	return in, sc.Err()
}

// readAlerts reads an alert topic until ctx ends, calling fn with each
// alert's source position and the time it was read.
func readAlerts(ctx context.Context, brokers []string, topic string, fn func(int32, int64, time.Time)) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(10*time.Millisecond))
	if err != nil {
		return err
	}
	defer cl.Close()
	for ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		now := time.Now()
		fs.EachRecord(func(r *kgo.Record) {
			var m kafka.AlertMessage
			if json.Unmarshal(r.Value, &m) == nil {
				fn(m.SrcPartition, m.SrcOffset, now)
			}
		})
	}
	return nil
}
