package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"pricewatch/kafka"
	"pricewatch/metrics"
)

// RunOpts are the settings of a streaming run beyond the job config.
type RunOpts struct {
	// ExitAtEnd stops the run once the group has consumed up to the end
	// offsets seen at start, closing every window as at the end of input.
	ExitAtEnd bool
	// Log receives progress lines. Default: slog.Default().
	Log *slog.Logger
	// ClientOpts are added to the Kafka client's options (TLS, SASL, tests).
	ClientOpts []kgo.Opt
	// OnListen, when set, is told the metrics endpoint's address once it
	// listens (metrics.listen may use port 0).
	OnListen func(addr string)
}

// runner drives the lanes of the partitions this member owns.
type runner struct {
	job   *Job
	cfg   Config
	opts  RunOpts
	log   *slog.Logger
	cl    *kgo.Client
	mu    sync.Mutex
	lanes map[int32]*lane
	ends  map[int32]int64 // end offsets at start, with ExitAtEnd
	fail  error           // first error from a rebalance callback
	// adjusted: partitions were assigned before (the alert progress read at
	// start is fresh for the first assignment only).
	adjusted bool

	heard map[int32]time.Time // wall time of each partition's last record, with windows.idle_timeout

	pmu     sync.Mutex      // guards pending: the sink reports from its own goroutine
	pending map[int32]int64 // offsets to commit to Kafka after their epoch is durable
}

// Run consumes the config's topic as a member of its consumer group into
// out, until ctx is cancelled (then it commits every lane's epoch and leaves
// the group) or, with ExitAtEnd, until the group has caught up.
func Run(ctx context.Context, cfg Config, out string, opts RunOpts) (*Stats, error) {
	sec, err := cfg.Source.Security.Opts()
	if err != nil {
		return nil, err
	}
	opts.ClientOpts = append(sec, opts.ClientOpts...)
	j, err := Open(cfg, out, cfg.Source.Topic)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	r := &runner{job: j, cfg: cfg, opts: opts, log: opts.Log, lanes: map[int32]*lane{}, pending: map[int32]int64{},
		heard: map[int32]time.Time{}}
	if r.log == nil {
		r.log = slog.Default()
	}
	if cfg.Metrics.Listen != "" {
		j.metrics = metrics.New()
		mctx, stop := context.WithCancel(context.Background())
		defer stop()
		addr, _, err := j.metrics.Serve(mctx, cfg.Metrics.Listen)
		if err != nil {
			return nil, err
		}
		r.log.Info("metrics", "listen", "http://"+addr+"/metrics")
		if opts.OnListen != nil {
			opts.OnListen(addr)
		}
	}
	j.onCommit = func(p int32, next int64) {
		r.pmu.Lock()
		r.pending[p] = next
		r.pmu.Unlock()
	}
	// Alerts first: lanes opened by the first assignment republish what a
	// crash left unpublished, so the producer must exist before the group
	// is joined.
	if cfg.Alerts.Topic != "" {
		if j.alerts, err = kafka.NewAlerts(ctx, cfg.Source.Brokers, cfg.Alerts.Topic, cfg.Source.Topic,
			transactionalID(cfg), cfg.Alerts.Partitions, opts.ClientOpts...); err != nil {
			return nil, err
		}
		defer j.alerts.Close()
	}
	kopts := append([]kgo.Opt{
		kgo.SeedBrokers(cfg.Source.Brokers...),
		kgo.ConsumerGroup(cfg.Source.Group),
		kgo.SessionTimeout(time.Duration(cfg.Source.SessionTimeout)),
		kgo.ConsumeTopics(cfg.Source.Topic),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.Balancers(kgo.CooperativeStickyBalancer()),
		// From the start when the group has no offset; never on their own
		// when an offset is gone (source.on_data_loss, Job.skipLost).
		kgo.ConsumeResetOffset(kgo.NoResetOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords(), // a transaction marker may be the end offset (lane.pass)
		kgo.OnPartitionsAssigned(r.assigned),
		kgo.OnPartitionsRevoked(r.revoked),
		kgo.OnPartitionsLost(r.lost),
		kgo.AdjustFetchOffsetsFn(r.adjust),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), // heartbeats name their partition
	}, opts.ClientOpts...)
	if cfg.Source.InstanceID != "" {
		kopts = append(kopts, kgo.InstanceID(cfg.Source.InstanceID))
	}
	// The group may assign partitions before NewClient returns; its
	// callbacks take r.mu and use r.cl, so r.cl is set under r.mu.
	r.mu.Lock()
	cl, err := kgo.NewClient(kopts...)
	r.cl = cl
	r.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("jobs: cannot create Kafka client: %w", err)
	}
	defer cl.Close()
	// franz-go retries a failing group join forever without telling the
	// poll; a ping surfaces unreachable brokers and failed authentication.
	pctx, pcancel := context.WithTimeout(ctx, 30*time.Second)
	err = cl.Ping(pctx)
	pcancel()
	if err != nil {
		return nil, fmt.Errorf("jobs: cannot reach Kafka at %s: %w", strings.Join(cfg.Source.Brokers, ","), err)
	}
	if opts.ExitAtEnd {
		if r.ends, err = kafka.EndOffsets(ctx, cl, cfg.Source.Topic); err != nil {
			return nil, err
		}
	} else if _, perr := kafka.PartitionCount(ctx, cl, cfg.Source.Topic); perr != nil {
		// A streaming member waits for the topic, as any consumer does; say so.
		r.log.Warn("the input topic cannot be read yet; waiting for it", "topic", cfg.Source.Topic, "err", perr)
	}
	err = r.loop(ctx)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		err = nil // a requested stop
	}
	if serr := r.stop(err == nil && opts.ExitAtEnd); err == nil {
		err = serr
	}
	if err != nil {
		return j.Stats(), err
	}
	return j.Stats(), nil
}

func (r *runner) loop(ctx context.Context) error {
	// A poll waits at most this long, so that epochs due by wall time commit
	// while the topic is quiet.
	wait := time.Duration(r.cfg.Epoch.Interval)
	if wait <= 0 || wait > time.Second {
		wait = time.Second
	}
	for {
		pctx, cancel := context.WithTimeout(ctx, wait)
		fs := r.cl.PollRecords(pctx, r.cfg.Source.MaxPollRecords)
		cancel()
		if fs.IsClientClosed() || ctx.Err() != nil {
			r.cl.AllowRebalance()
			return ctx.Err()
		}
		gone, ferr := fetchErrors(fs)
		if ferr == nil {
			r.mu.Lock()
			ferr = r.job.skipLost(ctx, r.cl, r.log, r.cfg.Source.Topic, r.lanes, gone)
			r.mu.Unlock()
		}
		if ferr != nil {
			r.cl.AllowRebalance()
			return ferr
		}
		done, err := r.handle(ctx, fs)
		r.cl.AllowRebalance()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// handle processes one poll's records, commits due epochs and says whether
// the run has reached its end.
func (r *runner) handle(ctx context.Context, fs kgo.Fetches) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return false, r.fail
	}
	// Each partition's records go to its lane; lanes run in parallel, each
	// in offset order.
	type work struct {
		l *lane
		p kgo.FetchTopicPartition
	}
	var todo []work
	var err error
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		if err != nil || p.Err != nil || p.Partition < 0 || len(p.Records) == 0 {
			return
		}
		l := r.lanes[p.Partition]
		if l == nil {
			if l, err = r.openLane(ctx, p.Partition); err != nil {
				return
			}
		}
		todo = append(todo, work{l, p})
	})
	if err != nil {
		return false, err
	}
	errs := make([]error, len(todo))
	var wg sync.WaitGroup
	for i, w := range todo {
		wg.Go(func() {
			if errs[i] = feed(ctx, w.l, w.p.Records, math.MaxInt64); errs[i] == nil {
				r.job.observeLag(w.l, w.p.HighWatermark)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return false, err
	}
	if err := r.publishAlerts(ctx); err != nil {
		return false, err
	}
	now := time.Now()
	if err := r.heartbeats(ctx, fs, now); err != nil {
		return false, err
	}
	for _, l := range r.lanes {
		r.job.observeWatermark(l, now)
	}
	// Epochs due by wall time commit in parallel: snapshotting a lane's
	// state is the longest pause of the loop.
	var due []*lane
	for _, p := range r.owned() {
		if l := r.lanes[p]; l.due(now) {
			due = append(due, l)
		}
	}
	errs = make([]error, len(due))
	for i, l := range due {
		wg.Go(func() { errs[i] = l.commit(ctx) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return false, err
	}
	r.commitOffsets(ctx, false)
	if r.ends == nil {
		return false, nil
	}
	return r.atEnd(ctx)
}

// publishAlerts publishes the anomalies the lanes found in this poll, in one
// transaction, without waiting for their epochs to be durable (see
// kafka.Alerts).
func (r *runner) publishAlerts(ctx context.Context) error {
	if r.job.alerts == nil {
		return nil
	}
	var bs []kafka.AlertBatch
	for _, p := range r.owned() {
		if b, ok := r.lanes[p].newAlerts(); ok {
			bs = append(bs, b)
		}
	}
	if len(bs) == 0 {
		return nil
	}
	t := time.Now()
	if err := r.job.alerts.PublishAll(ctx, bs); err != nil {
		return err
	}
	r.job.observe("alerts", t)
	return nil
}

// atEnd reports whether the group has consumed every partition up to the end
// offsets seen at start: this member's lanes directly, the rest through the
// group's committed offsets.
func (r *runner) atEnd(ctx context.Context) (bool, error) {
	for _, p := range r.owned() {
		l := r.lanes[p]
		if l.next < r.ends[p] {
			return false, nil
		}
		if l.from >= 0 { // caught up: make it durable so the others can see it
			if err := l.commit(ctx); err != nil {
				return false, err
			}
		}
	}
	if err := r.job.sink.wait(); err != nil {
		return false, err
	}
	r.commitOffsets(ctx, true)
	committed, err := kadm.NewClient(r.cl).FetchOffsets(ctx, r.cfg.Source.Group)
	if err != nil {
		return false, fmt.Errorf("jobs: cannot fetch offsets of group %q: %w", r.cfg.Source.Group, err)
	}
	for p, end := range r.ends {
		if end == 0 {
			continue
		}
		if _, mine := r.lanes[p]; mine {
			continue
		}
		o, ok := committed.Lookup(r.cfg.Source.Topic, p)
		if !ok || o.At < end {
			return false, nil
		}
	}
	return true, nil
}

// transactionalID returns the alert producer's transactional id.
func transactionalID(cfg Config) string {
	if cfg.Alerts.TransactionalID != "" {
		return cfg.Alerts.TransactionalID
	}
	if cfg.Source.InstanceID != "" {
		return "pricewatch-" + cfg.Source.Group + "-" + cfg.Source.InstanceID
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("pricewatch-%s-%s-%d", cfg.Source.Group, host, os.Getpid())
}

func (r *runner) owned() []int32 {
	ps := make([]int32, 0, len(r.lanes))
	for p := range r.lanes {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

func (r *runner) openLane(ctx context.Context, p int32) (*lane, error) {
	// A lane of this partition that was lost (not revoked) may still have an
	// epoch in the sink: let it land before reading the checkpoint, whose
	// restore removes the files of epochs that did not commit.
	if err := r.job.sink.wait(); err != nil {
		return nil, err
	}
	l, err := r.job.newLane(p)
	if err != nil {
		return nil, err
	}
	next, ok, err := l.restore(ctx)
	if err != nil {
		return nil, err
	}
	if r.job.alerts != nil {
		if err := r.job.publishAlerts(ctx, p, l.next); err != nil {
			return nil, err
		}
		l.alertFrom = r.job.alerts.Published(p)
	}
	r.lanes[p] = l
	r.log.Info("lane assigned", "topic", r.cfg.Source.Topic, "partition", p, "checkpoint", ok, "next_offset", next)
	return l, nil
}

// commitOffsets commits to Kafka the offsets whose epochs are durable. They
// are advisory (a lane resumes from its checkpoint, see adjust), so the run
// loop does not wait for the broker: a commit took 6-9 ms of a turn on the
// benchmark machine, and every event behind the turn waited as long. Commits
// still reach the broker in order (franz-go issues each after the one
// before). With wait, it returns when the broker answered: a rebalance, the
// stop and the end check hand over or read the committed offsets.
func (r *runner) commitOffsets(ctx context.Context, wait bool) {
	r.pmu.Lock()
	offs := map[int32]kgo.EpochOffset{}
	for p, next := range r.pending {
		offs[p] = kgo.EpochOffset{Epoch: -1, Offset: next}
	}
	clear(r.pending)
	r.pmu.Unlock()
	if len(offs) == 0 {
		return
	}
	done := func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err == nil {
			err = kafka.CommitError(resp)
		}
		if err != nil && !(errors.Is(err, context.Canceled) && ctx.Err() != nil) {
			// The outputs and checkpoints are durable; the next start seeks to them.
			r.log.Warn("cannot commit offsets to Kafka", "err", err)
		}
	}
	commit := r.cl.CommitOffsets
	if wait {
		commit = r.cl.CommitOffsetsSync
	}
	commit(ctx, map[string]map[int32]kgo.EpochOffset{r.cfg.Source.Topic: offs}, done)
}

// adjust seeks newly assigned partitions to their stored checkpoint offsets:
// the checkpoint, not the group's committed offset, is the truth. When the
// group has committed past the checkpoint (another member owned the
// partition since, or this folder never had it), the lane replays the records
// in between silently to rebuild its state, and writes rows from the
// committed offset on: outputs are a function of the input log, so the state
// after the replay is the state the other member had.
func (r *runner) adjust(ctx context.Context, offs map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.job.metrics.SetReady(false)
	defer func() {
		r.job.metrics.SetReady(r.fail == nil)
		if r.job.metrics != nil {
			r.job.metrics.Lanes.Set(float64(len(r.lanes)))
		}
	}()
	topic := offs[r.cfg.Source.Topic]
	if r.job.alerts != nil && r.adjusted {
		// Another member may have published alerts of these partitions
		// beyond its committed offsets (it died): the lanes must know.
		if err := r.job.alerts.Refresh(ctx); err != nil {
			r.fail = err
			return offs, err
		}
	}
	r.adjusted = true
	var marks map[int32]int64
	if r.opts.ExitAtEnd {
		var err error
		if marks, err = r.endMarks(ctx); err != nil {
			r.fail = err
			return offs, err
		}
	}
	for p, o := range topic {
		l := r.lanes[p]
		if l == nil {
			var err error
			if l, err = r.openLane(ctx, p); err != nil {
				r.fail = err
				return offs, err
			}
		}
		c := o.EpochOffset().Offset
		if m, ok := marks[p]; ok && m == c {
			l.flushedAt = c
		}
		if c > l.next {
			l.silentUntil = c
			r.log.Info("lane replays to rebuild state", "partition", p, "from", l.next, "to", c)
		}
		if l.next > 0 || l.silentUntil > 0 {
			topic[p] = kgo.NewOffset().At(l.next).WithEpoch(-1)
		}
	}
	return offs, nil
}

func (r *runner) assigned(ctx context.Context, _ *kgo.Client, m map[string][]int32) {
	r.log.Info("partitions assigned", "partitions", m[r.cfg.Source.Topic])
}

// revoked commits the epochs of the lanes being taken away, then their
// offsets, and lets them go.
func (r *runner) revoked(ctx context.Context, _ *kgo.Client, m map[string][]int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range m[r.cfg.Source.Topic] {
		delete(r.heard, p) // if it comes back, it is quiet from then on
		if l := r.lanes[p]; l != nil {
			if err := l.commit(ctx); err != nil && r.fail == nil {
				r.fail = err
			}
			delete(r.lanes, p)
		}
	}
	if err := r.job.sink.wait(); err != nil && r.fail == nil {
		r.fail = err
	}
	r.commitOffsets(ctx, true)
	r.log.Info("partitions revoked", "partitions", m[r.cfg.Source.Topic])
}

// lost drops lanes whose partitions another member may already own; their
// last durable checkpoint stands.
func (r *runner) lost(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range m[r.cfg.Source.Topic] {
		delete(r.lanes, p)
		delete(r.heard, p)
	}
	r.log.Warn("partitions lost", "partitions", m[r.cfg.Source.Topic])
}

// stop commits every lane (closing every window first when the input has
// ended) and leaves the group.
func (r *runner) stop(atEnd bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.mu.Lock()
	var err error
	flushed := map[int32]int64{}
	for _, p := range r.owned() {
		l := r.lanes[p]
		switch {
		case atEnd && l.flushedAt == l.next:
			// Another member flushed it at this offset, into its folder.
			err = errors.Join(err, l.commit(ctx))
		case atEnd:
			err = errors.Join(err, l.finish(ctx))
			flushed[p] = l.next
		default:
			err = errors.Join(err, l.commit(ctx))
		}
	}
	err = errors.Join(err, r.job.sink.wait())
	r.commitOffsets(ctx, true)
	if err == nil {
		if merr := r.markEnds(ctx, flushed); merr != nil {
			r.log.Warn("cannot mark the flushed lanes; a member that takes them over will flush them again", "err", merr)
		}
	}
	r.mu.Unlock()
	r.cl.LeaveGroupContext(ctx)
	return err
}
