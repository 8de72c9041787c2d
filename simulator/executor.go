package simulator

import (
	"context"
	"fmt"
	"math/bits"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator/metrics"
)

// The executors: one type per phase kind (k6's executors), run in order by
// runPhases. Each decides when clients start and calls the StartFunc in a
// goroutine of its own (one reused from a client that parked, see
// starters); constant also stops clients.
//
// Indexes are global: every phase hands out the next indexes of the whole
// run, in increasing order, whether this process owns them or not, so that
// the N processes of a run split with Segment compute the same schedule and
// together start every client exactly once. A process starts only the
// indexes its Segment owns, which is also how it runs 1/N of every rate.
//
// The population a phase sees is the set of indexes scheduled by earlier
// phases and not stopped by a constant phase, across all segments. A start
// the generator dropped still counts (segments could not agree otherwise),
// and a client whose flow ended is not replaced.
//
// The schedules:
//
//   - ramp (closed model): the population goes linearly from From to To
//     over Duration. A population below From is first brought to From at
//     once (as a spike with DefaultMaxInFlight dials at a time); then the
//     client that brings the population from level L to L+1 is intended
//     at start + Duration·(L−From)/(To−From): with from 0, to 4 over 2s,
//     at 0, 0.5s, 1s and 1.5s. Ramps only go up: a population already
//     above a level is not stopped.
//   - constant (closed model): brings the population to Population at the
//     start of the phase (0: keeps it), starting the shortfall at once (as
//     a spike with DefaultMaxInFlight) or stopping the newest clients, then
//     holds for Duration.
//   - arrival (open model): client k of the phase is intended at
//     start + k/Rate, for every k with k/Rate < Duration. See arrival for
//     the delay and drop policy.
//   - spike: Population clients start as fast as MaxInFlight dials at a
//     time allow (see WithStartToken); the phase lasts Duration or until
//     its last client has started, whichever is later, so a storm slower
//     than its Duration pushes the later phases back.
//   - hold: starts no one for Duration.
//
// Ramp and arrival starts have an intended time: each one records its
// lateness (actual − intended) in the lag timer, and counts as delayed when
// it is more than DelayTolerance late. Spike and burst starts have no
// schedule: their intended time is when they got their dial slot.

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
// once in one process (RunConfig.MaxConnecting). Beyond 16–128 dials in
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
	run(ctx context.Context, pop *population, start time.Time) (end time.Time, err error)
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
	return nil, fmt.Errorf("simulator: phase %q: unknown kind %q", p.Name, p.Kind)
}

// runPhases runs the phases in order from start; it returns when the last
// one is over, or ctx's error when ctx is done first.
func runPhases(ctx context.Context, phases []scenarios.Phase, pop *population, start time.Time) error {
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

// population is the run's clients as the executors see them. next and live
// belong to the goroutine running the phases; running is shared with the
// clients' goroutines.
type population struct {
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

// newPopulation returns an empty population whose clients run under base
// and start with start; at most maxConnecting clients of arrival phases
// connect at once (0: DefaultMaxConnecting).
func newPopulation(base context.Context, start StartFunc, seg Segment, rec *metrics.Recorder, maxConnecting int) *population {
	if maxConnecting <= 0 {
		maxConnecting = DefaultMaxConnecting
	}
	return &population{
		start: start, segment: seg, base: base,
		connecting: make(chan struct{}, maxConnecting),
		lag:        rec.Timer(reports.MetricLag),
		made:       rec.Counter(reports.MetricStarts),
		delayed:    rec.Counter(reports.MetricStartsDelayed),
		dropped:    rec.Counter(reports.MetricStartsDropped),
		running:    map[int]context.CancelFunc{},
		starters:   starters{next: make(chan func())},
	}
}

// size is the population: scheduled and not stopped, across all segments.
func (p *population) size() int {
	n := 0
	for _, s := range p.live {
		n += s.hi - s.lo
	}
	return n
}

// allocate hands out the next n global indexes, adding them to the
// population, and returns the first.
func (p *population) allocate(n int) int {
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
func (p *population) owns(index int) bool { return p.segment.Owns(index) }

// launch starts client index in a goroutine (starters), if this process
// owns it. release, when not nil, is the client's dial slot: it travels in
// the client's context (WithDetach) and is released at the latest when
// the StartFunc returns. The client counts as running until its StartFunc
// returns or, when it detached (Detach), until it says it has finished.
func (p *population) launch(index int, intended time.Time, release func()) {
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
	ctx = WithDetach(ctx, release, finished)
	p.mu.Lock()
	p.running[index] = cancel
	p.mu.Unlock()
	p.wg.Add(1)
	p.starters.run(func() {
		p.start(ctx, index, intended)
		if release != nil {
			release()
		}
		if !detached(ctx) {
			finished()
		}
	})
}

// scheduled starts a client intended at intended, recording how late it is.
func (p *population) scheduled(index int, intended time.Time, release func()) {
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
func (p *population) stopNewest(n int) {
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

// runningCount is how many of this process's clients are running.
func (p *population) runningCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.running)
}

// wait waits until every client has finished, or until timeout (then it
// reports false), and lets the idle start goroutines go. No client may
// start afterwards.
func (p *population) wait(timeout time.Duration) bool {
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
func (p *population) burst(ctx context.Context, n, inFlight int) error {
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
func (p *population) segmentShare(limit int) int {
	if p.segment.Whole() {
		return max(limit, 1)
	}
	return max((limit+p.segment.N-1)/p.segment.N, 1)
}

// sleepUntil waits until t, or returns ctx's error when ctx is done first.
func sleepUntil(ctx context.Context, t time.Time) error {
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
