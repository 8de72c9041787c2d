package schedule

import (
	"context"
	"fmt"
	"math/bits"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator/metrics"
)

// DelayTolerance is how late a scheduled start may be before it counts as
// delayed (starts_delayed): timer wake-ups a few milliseconds late are
// normal; more is the generator falling behind (reports.Generator calls a
// lag p99 above 10ms overloaded).
const DelayTolerance = 10 * time.Millisecond

// MaxLag is how late an arrival start may be before it is dropped
// (starts_dropped) instead of started: an open model that starts clients
// seconds late would measure the generator, not the server.
const MaxLag = time.Second

// DefaultMaxConnecting bounds the clients of an arrival phase connecting at
// once in one process (Config.MaxConnecting). Beyond 16–128 dials in
// flight the connect rate does not improve (PERFORMANCE.md); more only
// queue in the listeners' SYN backlogs, and a dropped SYN costs its client
// a second (the retransmission timeout): with 2048 per process, four
// worker processes ramping 50,000 clients saw connect times of 2–5 s and
// a lower rate than with 128.
const DefaultMaxConnecting = 128

// executor runs one phase, from its planned start; it returns the phase's
// end (planned, or later when the phase overran) when the phase is over, or
// ctx's error when ctx is done first.
type executor interface {
	run(ctx context.Context, pop *Population, start time.Time) (end time.Time, err error)
}

// newExecutor returns the executor of p.
func newExecutor(p scenarios.Phase) (executor, error) {
	switch p.Kind {
	case scenarios.PhaseRamp:
		return ramp{p}, nil
	case scenarios.PhaseConstant:
		return constant{p}, nil
	case scenarios.PhaseArrival:
		return arrival{p}, nil
	case scenarios.PhaseSpike:
		return spike{p}, nil
	case scenarios.PhaseHold:
		return hold{p}, nil
	}
	return nil, fmt.Errorf("schedule: phase %q: unknown kind %q", p.Name, p.Kind)
}

// Check returns the error Run would return for the first phase it cannot
// run (an unknown kind), before anything starts.
func Check(phases []scenarios.Phase) error {
	for _, p := range phases {
		if _, err := newExecutor(p); err != nil {
			return err
		}
	}
	return nil
}

// Run runs the phases in order from start, the first phase's planned
// start; it returns when the last one is over, or ctx's error when ctx is
// done first. The clients it started go on (until Teardown, the cancelling
// of New's ctx, or their own end). Run may be called again for more phases,
// but not concurrently.
func (pop *Population) Run(ctx context.Context, phases []scenarios.Phase, start time.Time) error {
	at := start
	for _, p := range phases {
		ex, err := newExecutor(p)
		if err != nil {
			return err
		}
		if pop.onPhase != nil {
			pop.onPhase(p.Name)
		}
		if at, err = ex.run(ctx, pop, at); err != nil {
			return err
		}
	}
	return nil
}

// span is the global indexes [lo, hi).
type span struct{ lo, hi int }

// Population is the run's clients as the executors see them: it runs the
// phases (Run), then stops the clients (Teardown, or the cancelling of
// New's ctx) and waits for them (Wait). next and live belong to the
// goroutine calling Run and Teardown; running is shared with the clients'
// goroutines.
type Population struct {
	start   StartFunc
	segment Segment
	base    context.Context   // every client's context derives from it
	onPhase func(name string) // told as each phase begins; nil: no one

	lag              *metrics.Timer
	made             *metrics.Counter // scheduled starts made (starts)
	delayed, dropped *metrics.Counter
	connecting       chan struct{} // the dial slots of arrival phases

	next int    // the next global index to hand out
	live []span // scheduled and not stopped, oldest first

	mu      sync.Mutex
	running map[int]context.CancelFunc // this process's clients whose StartFunc has not returned
	wg      sync.WaitGroup

	starters starters
}

// starters runs StartFuncs on reused goroutines. A goroutine that has
// started a client has grown its stack to what a connect needs (net/http,
// gorilla, JSON, JWT); a fresh goroutine grows it again, copying it several
// times on the way, which was ~8% of the simulator's CPU in a connect storm.
// Once a client parks (or finishes) its goroutine takes the next start, or
// exits after starterIdle without one.
type starters struct {
	next chan func() // unbuffered: a send succeeds only when a goroutine is idle
}

// starterIdle is how long a goroutine waits for another start.
const starterIdle = 250 * time.Millisecond

// run runs f on an idle goroutine, or a new one.
func (s *starters) run(f func()) {
	select {
	case s.next <- f:
	default:
		go s.loop(f)
	}
}

func (s *starters) loop(f func()) {
	t := time.NewTimer(starterIdle)
	defer t.Stop()
	for {
		f()
		t.Reset(starterIdle)
		var ok bool
		select {
		case f, ok = <-s.next:
			if !ok {
				return // closed
			}
		case <-t.C:
			return
		}
	}
}

// close lets the idle goroutines go at once; no start may follow.
func (s *starters) close() { close(s.next) }

// Config is what a Population runs with. Zero fields take their
// documented defaults; Start and Recorder are required.
type Config struct {
	// Start starts each client.
	Start StartFunc
	// Segment is this process's share of the run; the zero value is the
	// whole run.
	Segment Segment
	// Recorder receives the generator's metrics: lag, starts,
	// starts_delayed, starts_dropped.
	Recorder *metrics.Recorder
	// MaxConnecting bounds the clients of arrival phases connecting at once
	// in this process; 0: DefaultMaxConnecting.
	MaxConnecting int
	// OnPhase is told each phase's name as it begins; nil: no one. It runs
	// on the goroutine calling Run.
	OnPhase func(name string)
}

// New returns an empty population whose clients run under ctx (cancelling
// it stops them all).
func New(ctx context.Context, cfg Config) *Population {
	maxConnecting := cfg.MaxConnecting
	if maxConnecting <= 0 {
		maxConnecting = DefaultMaxConnecting
	}
	rec := cfg.Recorder
	return &Population{
		start: cfg.Start, segment: cfg.Segment, base: ctx, onPhase: cfg.OnPhase,
		connecting: make(chan struct{}, maxConnecting),
		lag:        rec.Timer(threshold.MetricLag),
		made:       rec.Counter(threshold.MetricStarts),
		delayed:    rec.Counter(threshold.MetricStartsDelayed),
		dropped:    rec.Counter(threshold.MetricStartsDropped),
		running:    map[int]context.CancelFunc{},
		starters:   starters{next: make(chan func())},
	}
}

// size is the population: scheduled and not stopped, across all segments.
func (p *Population) size() int {
	n := 0
	for _, s := range p.live {
		n += s.hi - s.lo
	}
	return n
}

// allocate hands out the next n global indexes, adding them to the
// population, and returns the first.
func (p *Population) allocate(n int) int {
	first := p.next
	p.next += n
	if n > 0 {
		if k := len(p.live); k > 0 && p.live[k-1].hi == first {
			p.live[k-1].hi += n
		} else {
			p.live = append(p.live, span{first, first + n})
		}
	}
	return first
}

// owns reports whether this process runs client index.
func (p *Population) owns(index int) bool { return p.segment.Owns(index) }

// launch starts client index in a goroutine (starters), if this process
// owns it. release, when not nil, is the client's dial slot: it travels in
// the client's Start and is released at the latest when the StartFunc
// returns. The client counts as running until its StartFunc returns or,
// when it detached (Start.Detach), until it says it has finished.
func (p *Population) launch(index int, intended time.Time, release func()) {
	if !p.owns(index) {
		if release != nil {
			release()
		}
		return
	}
	ctx, cancel := context.WithCancel(p.base)
	if release != nil {
		release = sync.OnceFunc(release)
	}
	finished := func() {
		p.mu.Lock()
		delete(p.running, index)
		p.mu.Unlock()
		cancel()
		p.wg.Done()
	}
	s := &Start{Index: index, Intended: intended, release: release, finished: finished}
	p.mu.Lock()
	p.running[index] = cancel
	p.mu.Unlock()
	p.wg.Add(1)
	p.starters.run(func() {
		p.start(ctx, s)
		if release != nil {
			release()
		}
		if !s.Detached() {
			finished()
		}
	})
}

// scheduled starts a client intended at intended, recording how late it is.
func (p *Population) scheduled(index int, intended time.Time, release func()) {
	lag := max(time.Since(intended), 0)
	p.lag.Record(lag)
	p.made.Inc()
	if lag > DelayTolerance {
		p.delayed.Inc()
	}
	p.launch(index, intended, release)
}

// stopNewest takes the n newest clients out of the population, stopping
// those this process runs (their contexts are cancelled; they finish on
// their own).
func (p *Population) stopNewest(n int) {
	for n > 0 && len(p.live) > 0 {
		last := &p.live[len(p.live)-1]
		k := min(n, last.hi-last.lo)
		p.mu.Lock()
		for i := last.hi - k; i < last.hi; i++ {
			if cancel := p.running[i]; cancel != nil {
				cancel()
			}
		}
		p.mu.Unlock()
		last.hi -= k
		n -= k
		if last.hi == last.lo {
			p.live = p.live[:len(p.live)-1]
		}
	}
}

// Running is how many of this process's clients are running.
func (p *Population) Running() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.running)
}

// Wait waits until every client has finished, or until timeout (then it
// reports false), and lets the idle start goroutines go. No client may
// start afterwards: call it once, after Run.
func (p *Population) Wait(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	defer p.starters.close()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// burst starts n new clients at once, at most inFlight of them connecting
// at a time (a spike, and the shortfall of a ramp or constant phase).
func (p *Population) burst(ctx context.Context, n, inFlight int) error {
	first := p.allocate(n)
	slots := make(chan struct{}, p.segmentShare(inFlight))
	release := func() { <-slots }
	for i := first; i < first+n; i++ {
		if !p.owns(i) {
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		p.launch(i, time.Now(), release)
	}
	return nil
}

// segmentShare is this process's part of a limit meant for the whole run:
// ⌈limit/N⌉, at least 1.
func (p *Population) segmentShare(limit int) int {
	if p.segment.Whole() {
		return max(limit, 1)
	}
	return max((limit+p.segment.N-1)/p.segment.N, 1)
}

// SleepUntil waits until t, or returns ctx's error when ctx is done first:
// how every executor keeps its schedule (a timer, no ticker drift).
func SleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fraction is d·k/n, exactly (no float rounding, no overflow for
// k ≤ n); n > 0.
func fraction(d time.Duration, k, n int) time.Duration {
	hi, lo := bits.Mul64(uint64(d), uint64(k))
	q, _ := bits.Div64(hi, lo, uint64(n))
	return time.Duration(q)
}
