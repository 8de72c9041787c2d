package simulator

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator/metrics"
	"github.com/stampede-sio/stampede/simulator/schedule"
)

// ErrUnreachable is returned by Run when a target does not answer before
// the run starts (stampede run exits 2).
var ErrUnreachable = errors.New("simulator: target unreachable")

// ErrRunConfig is wrapped by Run's errors about its configuration.
var ErrRunConfig = errors.New("simulator: bad run config")

// The defaults of RunConfig.
const (
	DefaultProbeTimeout = 5 * time.Second  // RunConfig.ProbeTimeout
	DefaultStopTimeout  = 10 * time.Second // RunConfig.StopTimeout
)

// RunConfig is one process's run: the scenario, where and how its clients
// connect, which segment this process runs, and who hears about it. Zero
// fields take their documented defaults.
type RunConfig struct {
	// Scenario is the scenario as prepared (after Set and Scale) and
	// validated; Run applies its defaults. Required.
	Scenario *scenarios.Scenario
	// Targets override the scenario's target.urls when not empty.
	Targets []string
	// Secret signs the minted tokens (auth mode mint) and the admin token
	// of control steps.
	Secret []byte
	// Tokens are the tokens of auth mode file; nil: LoadTokens reads the
	// scenario's tokens_file.
	Tokens []string
	// Segment is the share of the run this process executes; the zero
	// value is the whole run.
	Segment Segment
	// Seed seeds the clients' random sources (Env.Seed); the processes of
	// one run must share it.
	Seed uint64
	// Sources are the local addresses clients connect from; nil: Sources
	// picks them from the scenario (target.sources, else 127.0.0.1 … 9 for
	// loopback targets, else the kernel's choice).
	Sources []*net.TCPAddr
	// NewStart returns the StartFunc of the run's virtual clients, given
	// the run's Env; an error stops the run before it starts. nil: the real
	// virtual clients (Env.Prepare, then Env.StartVU). Tests pass fakes.
	NewStart func(env *Env) (schedule.StartFunc, error)
	// Progress receives the live progress once a second; nil: quiet.
	Progress ProgressFunc
	// Logger logs what goes wrong around the clients; nil: discarded.
	Logger *slog.Logger
	// HTTPClient scrapes the targets' /metrics, and carries the probe's
	// polling handshake; nil: a client of Run's own.
	HTTPClient *http.Client
	// MaxConnecting bounds the clients of arrival phases connecting at once
	// in this process; 0: schedule.DefaultMaxConnecting.
	MaxConnecting int
	// ProbeTimeout bounds the check that every target answers the
	// Engine.IO handshake; 0: DefaultProbeTimeout.
	ProbeTimeout time.Duration
	// TLSConfig is used for https:// and wss:// targets (stampede run
	// --insecure: InsecureSkipVerify); nil: Go's defaults.
	TLSConfig *tls.Config
	// StopTimeout is how long Run waits for the clients to return once it
	// has stopped them; 0: DefaultStopTimeout.
	StopTimeout time.Duration
	// Version is stampede's version, for the record's environment.
	Version string
}

// realClients is the default RunConfig.NewStart: the virtual clients of
// vu.go, with the tokens of the peak population minted beforehand, under
// ctx.
func realClients(ctx context.Context, env *Env) (schedule.StartFunc, error) {
	if err := env.Premint(ctx, env.Scenario.Peak()); err != nil {
		return nil, err
	}
	return env.StartVU, nil
}

// Run runs one process's share of a load run and returns its record.
//
// It checks that every target answers HTTP (else ErrUnreachable), builds
// the Env and the Recorder, runs the phases, takes a Snapshot every second
// into the series (with the servers' CPU, memory and goroutines scraped
// from their GET /metrics when they serve it, once a second), reports the
// progress, and when the phases are over stops the clients (spread over
// the scenario's teardown, see schedule.Population.Teardown), exports the
// metrics, also phase by phase (the scenario's phases and the teardown), and
// evaluates the thresholds. The record's environment ends when
// the phases ended, so rates are over the load, not the shutdown. Run
// lowers its process's Go GC target once clients only hold their
// connections, and returns unused memory to the OS then (gcTuner); clients
// connecting again, and the end of Run, put the process's own back.
//
// When ctx is done first (SIGINT), Run stops the clients and returns the
// partial record with Interrupted set, and no error. An error means the
// run did not start: ctx's error when ctx was done before the start.
func Run(ctx context.Context, cfg RunConfig) (*reports.Run, error) {
	plan, err := prepareRun(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	defer plan.close()
	start := time.Now()
	rec := metrics.New(metrics.Config{Start: start})
	recovery := newRecoveries(rec)
	env := plan.env
	env.Recorder, env.Start, env.OnRecovered = rec, start, recovery.recovered
	startFn, err := cfg.NewStart(env)
	if err != nil && ctx.Err() != nil {
		return interruptedEarly(plan, cfg, start), nil // SIGINT while minting: a record all the same
	}
	if err != nil {
		return nil, err
	}
	// The clock starts once the clients are ready (NewStart mints tokens).
	start = time.Now()
	env.Start = start
	rec.SetStart(start)
	defer env.Close()
	clients, stopClients := context.WithCancel(ctx)
	defer stopClients()
	pop := schedule.New(clients, schedule.Config{
		Start: startFn, Segment: cfg.Segment, Recorder: rec, MaxConnecting: cfg.MaxConnecting,
		OnPhase: func(name string) { _ = rec.BeginPhase(name) }, // encodes in memory: cannot fail
	})

	smp := newSampler(rec, plan.scraper, cfg.Progress, start)
	smp.total = plan.scenario.Length()
	sampling, stopSampling := context.WithCancel(context.WithoutCancel(ctx))
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		smp.run(sampling)
	}()
	phaseErr := pop.Run(ctx, plan.scenario.Phases, start)
	end := time.Now()
	stopSampling()
	<-sampled
	smp.sample()
	smp.gc.restore()

	if ctx.Err() == nil {
		_ = rec.BeginPhase(reports.TeardownPhase)
		pop.Teardown(ctx, *plan.scenario.Teardown)
	}
	stopClients() // whoever is left (all at once when interrupted)
	if !pop.Wait(cfg.StopTimeout) {
		cfg.Logger.Warn("clients still running after the stop timeout", "clients", pop.Running(), "timeout", cfg.StopTimeout)
	}
	recovery.flush()
	var down []reports.TargetDown
	if env.plan != nil {
		down = env.plan.targetsDown(start)
	}
	if phaseErr != nil && ctx.Err() == nil {
		return nil, phaseErr // not reached: prepareRun checked the phases
	}
	run := &reports.Run{
		Schema: reports.RunSchema, Scenario: plan.scenario.Name, Config: plan.config,
		Targets: plan.urls(), Environment: reports.HostEnvironment(cfg.Version),
		Interrupted: ctx.Err() != nil, Series: smp.series, TargetsDown: down,
	}
	run.Environment.Start, run.Environment.End = start, end
	if !cfg.Segment.Whole() {
		run.Segments = []reports.Segment{{I: cfg.Segment.I, N: cfg.Segment.N}}
	}
	if err := rec.Export(run); err != nil { // not reached: encoding writes to memory
		return nil, fmt.Errorf("failed to export the run's metrics: %w", err)
	}
	run.Generator.FillMemory(run.Series)
	// starts_dropped == 0 unless the scenario tolerates some: a run that
	// gave up on starts did not apply the load it reports on.
	run.Thresholds, _ = reports.Evaluate(run, reports.WithDefaultThresholds(plan.scenario.Thresholds))
	return run, nil
}

// interruptedEarly is the record of a run interrupted before its clients
// started (while its tokens were minted): no series, Interrupted set.
func interruptedEarly(plan *runPlan, cfg RunConfig, start time.Time) *reports.Run {
	run := &reports.Run{
		Schema: reports.RunSchema, Scenario: plan.scenario.Name, Config: plan.config,
		Targets: plan.urls(), Environment: reports.HostEnvironment(cfg.Version), Interrupted: true,
		Series: []reports.Point{}, Histograms: []reports.HistogramRecord{}, Counters: []reports.CounterRecord{},
	}
	run.Environment.Start, run.Environment.End = start, time.Now()
	if !cfg.Segment.Whole() {
		run.Segments = []reports.Segment{{I: cfg.Segment.I, N: cfg.Segment.N}}
	}
	return run
}

// runPlan is what Run works out before starting.
type runPlan struct {
	scenario *scenarios.Scenario // with defaults
	config   json.RawMessage     // the scenario as run, YAML in a JSON string
	env      *Env                // without its Recorder, Start and OnRecovered
	scraper  *scraper            // nil: nothing to scrape
	close    func()
}

func (p *runPlan) urls() []string {
	out := make([]string, len(p.env.Targets))
	for i, u := range p.env.Targets {
		out[i] = u.Redacted()
	}
	return out
}

// prepareRun fills cfg's defaults, checks it, builds the Env and probes
// the targets.
func prepareRun(ctx context.Context, cfg *RunConfig) (*runPlan, error) {
	if cfg.Scenario == nil {
		return nil, fmt.Errorf("%w: no scenario", ErrRunConfig)
	}
	if cfg.NewStart == nil {
		cfg.NewStart = func(env *Env) (schedule.StartFunc, error) { return realClients(ctx, env) }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.ProbeTimeout = positiveOr(cfg.ProbeTimeout, DefaultProbeTimeout)
	cfg.StopTimeout = positiveOr(cfg.StopTimeout, DefaultStopTimeout)
	s := cfg.Scenario.Clone()
	if len(cfg.Targets) > 0 {
		s.Target.URLs = cfg.Targets
	}
	if err := normalizeTarget(&s.Target); err != nil {
		return nil, err
	}
	yml, err := scenarioYAML(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRunConfig, err)
	}
	plan := &runPlan{scenario: s.WithDefaults(), close: func() {}}
	plan.config, _ = json.Marshal(string(yml)) // a string: cannot fail
	if err := schedule.Check(plan.scenario.Phases); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRunConfig, err)
	}
	if plan.env, err = runEnv(cfg, plan.scenario); err != nil {
		return nil, err
	}
	if err := plan.probe(ctx, cfg); err != nil {
		plan.close()
		return nil, err
	}
	return plan, nil
}

// runEnv builds the run's Env (Run adds the Recorder and the start) from
// the scenario s, with its defaults, and cfg's overrides.
func runEnv(cfg *RunConfig, s *scenarios.Scenario) (*Env, error) {
	env := &Env{
		Scenario: s, Secret: cfg.Secret, Tokens: cfg.Tokens, Sources: cfg.Sources,
		Logger: cfg.Logger, Segment: cfg.Segment, Seed: cfg.Seed, TLSConfig: cfg.TLSConfig,
	}
	var errs []error
	for _, raw := range s.Target.URLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%w: target %q: want an http:// or https:// URL", ErrRunConfig, raw))
			continue
		}
		env.Targets = append(env.Targets, u)
	}
	var err error
	if env.Sources == nil {
		if env.Sources, err = Sources(s.Target.Sources, env.Targets); err != nil {
			errs = append(errs, err)
		}
	}
	if env.Tokens == nil && s.Auth.Mode == scenarios.AuthFile {
		if env.Tokens, err = LoadTokens(s.Auth.File); err != nil {
			errs = append(errs, err)
		}
	}
	if env.Data, err = LoadData(s.Data); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if load := sourceLoad(s.Peak(), len(env.Sources), len(env.Targets)); len(env.Sources) > 0 && load > ClientsPerSource {
		cfg.Logger.Warn("more clients per source address and server port than the ephemeral ports carry well; add target ports or target.sources",
			"peak", s.Peak(), "sources", len(env.Sources), "targets", len(env.Targets), "per_pair", load)
	}
	return env, nil
}

func positiveOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
