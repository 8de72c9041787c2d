package campaign

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/scenarios"
)

// ErrCapacity wraps a capacity search that cannot be run as configured.
var ErrCapacity = errors.New("campaign: bad capacity search")

// The defaults of CapacityConfig.
const (
	DefaultPrecision = 0.1                   // narrow until the gap is a tenth of the answer
	DefaultMaxLag    = 50 * time.Millisecond // generator lag p90 (hold) past which it is saturated
	stepOverhead     = 3 * time.Second       // server start, minting, teardown, beyond the scenario's length
)

// CapacityConfig is one capacity search.
type CapacityConfig struct {
	Runner   *Runner
	Scenario string // for the record
	SLOs     []string
	By       string // reports.ByClients (default) or reports.ByRate
	Min, Max int
	// Budget bounds the whole search, the step in progress included; 0:
	// none.
	Budget time.Duration
	// Precision: the narrowing stops when the gap between the largest
	// value that held and the smallest that broke is at most this share
	// of the former (and at most 1); 0: DefaultPrecision.
	Precision float64
	// MaxLag is the generator's lag p90 over the hold past which a step
	// counts as the generator saturated, not the server; 0:
	// DefaultMaxLag. Dropped starts count so as well.
	MaxLag time.Duration
	// Confirm is how many times a value that broke an SLO is run again:
	// it broke only when every run did (one run disturbed by the
	// machine's other work does not decide); 0: once.
	Confirm int
	// OnStep hears about each step as it ends, and may return the name it
	// gave the step's record (res nil when the run failed to start).
	OnStep func(step *reports.CapacityStep, res *Result) string
}

// Capacity raises the value (population or arrival rate) from Min,
// doubling, until an SLO breaks or Max held, then narrows by bisection to
// the largest value at which every SLO held over the run's last phase
// (the hold: latencies of that phase, counts of the whole run). It stops
// early, the answer then a lower bound, when the generator saturates (lag
// p90 past MaxLag, or dropped starts: it did not apply the load asked for)
// or when the budget runs out (a step cut by it counts for nothing). An
// error means the search could not run (bad SLOs, Min or Max, a scenario
// without arrival phases for ByRate, a run that failed to start); when ctx
// is done it returns what it has, with ctx's error.
func Capacity(ctx context.Context, cfg CapacityConfig) (*reports.Capacity, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	sets, err := cfg.sizer()
	if err != nil {
		return nil, err
	}
	c := &reports.Capacity{Schema: reports.CapacitySchema, Scenario: cfg.Scenario, By: cfg.By, SLOs: cfg.SLOs,
		Min: cfg.Min, Max: cfg.Max, Budget: cfg.Budget.Seconds(), Start: time.Now(), Managed: cfg.Runner.Serve}
	budget := ctx
	if cfg.Budget > 0 {
		var cancel context.CancelFunc
		budget, cancel = context.WithDeadline(ctx, c.Start.Add(cfg.Budget))
		defer cancel()
	}
	s := search{cfg: cfg, c: c, ctx: ctx, budget: budget, sets: sets}
	err = s.run()
	c.End = time.Now()
	return c, err
}

func (cfg *CapacityConfig) check() error {
	if cfg.By == "" {
		cfg.By = reports.ByClients
	}
	cfg.Precision = positiveFloat(cfg.Precision, DefaultPrecision)
	cfg.MaxLag = positive(cfg.MaxLag, DefaultMaxLag)
	switch {
	case cfg.By != reports.ByClients && cfg.By != reports.ByRate:
		return fmt.Errorf("%w: by %q: want clients or rate", ErrCapacity, cfg.By)
	case len(cfg.SLOs) == 0:
		return fmt.Errorf("%w: no SLO (--slo 'push_p99 < 250ms')", ErrCapacity)
	case cfg.Min < 1 || cfg.Max < cfg.Min:
		return fmt.Errorf("%w: want 1 ≤ min ≤ max, got min %d, max %d", ErrCapacity, cfg.Min, cfg.Max)
	}
	for _, slo := range cfg.SLOs {
		if _, err := threshold.Parse(slo); err != nil {
			return fmt.Errorf("%w: --slo %q: %v", ErrCapacity, slo, err)
		}
	}
	return nil
}

// sizer returns how a value becomes a run: by clients, the population
// (RunSized); by rate, the rate of every arrival phase (--set paths).
func (cfg *CapacityConfig) sizer() (func(v int) ([]string, int), error) {
	if cfg.By == reports.ByClients {
		return func(v int) ([]string, int) { return nil, v }, nil
	}
	s, err := cfg.Runner.Prepare(nil, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrScenario, err)
	}
	var phases []int
	for i, p := range s.Phases {
		if p.Kind == scenarios.PhaseArrival {
			phases = append(phases, i)
		}
	}
	if len(phases) == 0 {
		return nil, fmt.Errorf("%w: --by rate needs a scenario with an arrival phase; %s has none", ErrCapacity, s.Name)
	}
	return func(v int) ([]string, int) {
		var sets []string
		for _, i := range phases {
			sets = append(sets, "phases."+strconv.Itoa(i)+".rate="+strconv.Itoa(v))
		}
		return sets, 0
	}, nil
}

// search is one capacity search in progress.
type search struct {
	cfg         CapacityConfig
	c           *reports.Capacity
	ctx, budget context.Context
	sets        func(v int) ([]string, int)
	longest     time.Duration // the longest step so far
	good, bad   int           // largest value that held, smallest that broke (0: none yet)
}

func (s *search) run() error {
	v := s.cfg.Min
	for { // raise
		step, err := s.step(v, "raise")
		if err != nil || step == nil {
			return err
		}
		if !step.Held {
			break
		}
		if v >= s.cfg.Max {
			s.finish(fmt.Sprintf("every SLO held at --max %d", s.cfg.Max), false)
			return nil
		}
		v = min(2*v, s.cfg.Max)
	}
	for s.good > 0 && s.bad-s.good > max(1, int(float64(s.good)*s.cfg.Precision)) { // narrow
		step, err := s.step((s.good+s.bad)/2, "narrow")
		if err != nil || step == nil {
			return err
		}
	}
	if s.good == 0 {
		s.finish(fmt.Sprintf("an SLO broke at --min %d", s.cfg.Min), false)
		return nil
	}
	s.finish(fmt.Sprintf("narrowed to %d (held) and %d (broke)", s.good, s.bad), false)
	return nil
}

// step runs value v (again, Confirm times at most, while it breaks: one
// run disturbed by the machine's other work does not decide) and records
// it. A nil step with a nil error means the search is over (generator
// saturated, budget out): finish was called.
func (s *search) step(v int, stage string) (*reports.CapacityStep, error) {
	for try := 0; ; try++ {
		st, res, err := s.attempt(v, stage)
		switch {
		case err != nil || st == nil:
			return nil, err
		case st.Held:
			s.good = max(s.good, v)
			return st, nil
		case try < s.cfg.Confirm:
			stage = "confirm"
			continue
		}
		if s.bad == 0 || v < s.bad {
			s.bad = v
			s.c.Limit = Limiting(res, st)
		}
		return st, nil
	}
}

// attempt is one run of value v, recorded; nil when the search is over.
func (s *search) attempt(v int, stage string) (*reports.CapacityStep, *Result, error) {
	if left, ok := s.budget.Deadline(); ok && s.longest > 0 && time.Until(left) < s.longest {
		s.finish(fmt.Sprintf("the budget had %s left, less than a step takes (%s)", time.Until(left).Round(time.Second), s.longest.Round(time.Second)), true)
		return nil, nil, nil
	}
	sets, vus := s.sets(v)
	started := time.Now()
	res, err := s.cfg.Runner.RunSized(s.budget, sets, vus)
	took := time.Since(started)
	s.longest = max(s.longest, took)
	step := &reports.CapacityStep{Value: v, Stage: stage, Seconds: took.Seconds()}
	switch {
	case err != nil && s.ctx.Err() == nil && s.budget.Err() != nil:
		step.Cut = true
	case err != nil:
		if s.cfg.OnStep != nil {
			step.Note = err.Error()
			s.cfg.OnStep(step, nil)
		}
		return nil, nil, err
	default:
		s.judge(step, res)
	}
	if s.cfg.OnStep != nil {
		step.Record = s.cfg.OnStep(step, res)
	}
	s.c.Steps = append(s.c.Steps, *step)
	switch {
	case s.ctx.Err() != nil:
		s.finish("interrupted", true)
		return nil, nil, s.ctx.Err()
	case step.Cut:
		s.finish("the budget ran out during the step at "+strconv.Itoa(v), true)
		return nil, nil, nil
	case step.Saturated:
		s.c.Saturated = true
		s.finish(fmt.Sprintf("the generator saturated at %d (%s), before the server broke an SLO: this machine's load generator, not the server, is the limit here", v, step.Note), true)
		return nil, nil, nil
	}
	return step, res, nil
}

// judge decides a step from its run: saturated, held or broke.
func (s *search) judge(step *reports.CapacityStep, res *Result) {
	rec := res.Record
	step.Figures = res.Figures.Values
	if rec.Server != nil {
		step.Processes, step.Watched = rec.Server.Processes, rec.Server.Watched
	}
	if rec.Interrupted && s.ctx.Err() == nil {
		step.Cut = true
		return
	}
	hold := HoldView(rec)
	lag := holdLag(hold)
	if dropped := rec.Generator.StartsDropped; dropped > 0 || lag > float64(s.cfg.MaxLag.Microseconds())/1e3 {
		step.Saturated = true
		step.Note = fmt.Sprintf("generator lag p90 %.1f ms in the hold, %d starts dropped", lag, dropped)
		return
	}
	results, held := reports.Evaluate(hold, s.cfg.SLOs)
	step.SLOs, step.Held = results, held && connected(rec)
}

// finish sets the answer and why the search ended.
func (s *search) finish(why string, lowerBound bool) {
	s.c.Stopped = why
	s.c.Found, s.c.Answer = s.good > 0, s.good
	s.c.LowerBound = lowerBound && s.c.Found
	if s.c.Limit == "" && len(s.c.Steps) > 0 && s.bad == 0 && !s.c.Saturated {
		s.c.Limit = "none reached: every step held"
	}
}

// HoldView is the record as the SLOs judge it: the latencies of the last
// phase of the scenario (the hold, after the ramp), and every count of the
// whole run. A record without phases is itself.
func HoldView(rec *reports.Run) *reports.Run {
	for i := len(rec.Phases) - 1; i >= 0; i-- {
		p := rec.Phases[i]
		if p.Name == reports.TeardownPhase || len(p.Histograms) == 0 {
			continue
		}
		v := *rec
		v.Histograms = p.Histograms
		return &v
	}
	return rec
}

// holdLag is the generator's lag p90 (ms) over the hold phase's values,
// else the whole run's p99. The p90, not the p99: a hold schedules a few
// hundred starts and loop iterations, and on a shared machine one stall
// of tens of milliseconds is their p99, while a saturated generator is
// late most of the time.
func holdLag(hold *reports.Run) float64 {
	if h, unit, ok := hold.Aggregate(threshold.MetricLag, nil); ok && h.TotalCount() > 0 && unit == reports.UnitMicroseconds {
		return float64(h.ValueAtQuantile(90)) / 1e3
	}
	return hold.Generator.LagP99
}

// connected reports whether any client connected: a run where none did
// holds no SLO, whatever its thresholds say.
func connected(rec *reports.Run) bool {
	h, _, ok := rec.Aggregate(threshold.MetricSIOConnect, nil)
	return ok && h.TotalCount() > 0
}

func positiveFloat(v, def float64) float64 {
	if v <= 0 {
		return def
	}
	return v
}
