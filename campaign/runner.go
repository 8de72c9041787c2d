package campaign

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator"
)

// ErrScenario wraps a scenario that cannot be prepared with a run's
// settings (a bad --set or --vary value): the caller's input is wrong.
var ErrScenario = errors.New("campaign: bad scenario")

// IdleWindow is how long a managed server is watched before the clients
// start: its idle CPU (the watch's own polling included) is subtracted
// from the clients' cost.
const IdleWindow = time.Second

// ErrTooBig is a run with more clients than one simulator process holds
// (a Runner without Simulate).
var ErrTooBig = errors.New("campaign: too many clients for one run")

// Runner does one run at a time, each on a fresh managed server (Serve)
// or against Target.
type Runner struct {
	// Prepare returns the scenario with sets applied (key=value, as
	// --set), scaled (to vus clients at the peak when vus > 0, else as the
	// caller sized it) and validated. Required.
	Prepare func(sets []string, vus int) (*scenarios.Scenario, error)
	// Serve starts a refserver for each run, with ServeArgs and then the
	// scenario's server settings (which win); Exe is the stampede binary
	// ("": this program).
	Serve     bool
	ServeArgs []string
	Exe       string
	ExeEnv    []string // added to the server's environment
	// Target is the --target URL list of runs that do not Serve; "": the
	// scenario's own.
	Target string
	// Secret signs the clients' tokens and the managed server's; with
	// Serve and none given, a random one.
	Secret []byte
	Seed   uint64
	// Logger logs the simulator's warnings; nil: discarded. ServerLog
	// receives the managed servers' stderr; nil: discarded.
	Logger    *slog.Logger
	ServerLog io.Writer
	Progress  simulator.ProgressFunc
	Version   string
	// MaxConnecting bounds the clients of arrival phases connecting at
	// once (the generator's dial slots); 0: the simulator's default.
	MaxConnecting int
	// PerProcess is how many sessions one managed server process is given
	// (ProcessesFor); 0: SessionsPerProcess.
	PerProcess int
	// Simulate runs each run's clients; nil: simulator.Run in this
	// process, which holds at most simulator.DefaultClientsPerWorker of
	// them (more: ErrTooBig). stampede's is run's own path, which splits a
	// bigger run over worker processes.
	Simulate func(context.Context, Simulation) (*reports.Run, error)
}

// Simulation is one run's clients as Simulate gets them: Config for
// simulator.Run, and what the scenario was prepared from (the run's own
// sets and size, as Prepare took them) for a Simulate that prepares it
// again in other processes.
type Simulation struct {
	Config simulator.RunConfig
	Sets   []string
	VUs    int // 0: as Prepare sizes it
}

// Result is one run: the sets it ran with, the prepared scenario, the
// record (with Server set when managed) and its figures.
type Result struct {
	Sets     []string
	Scenario *scenarios.Scenario
	Record   *reports.Run
	Figures  Figures
}

// Run prepares the scenario with sets, starts a server when managed,
// runs the simulator while watching the server, and stops the server. An
// interrupted run (ctx done mid-run) returns its partial result with
// Record.Interrupted set.
func (r *Runner) Run(ctx context.Context, sets []string) (*Result, error) {
	return r.RunSized(ctx, sets, 0)
}

// RunSized is Run with the population scaled to vus clients at the peak
// (0: as Prepare sizes it).
func (r *Runner) RunSized(ctx context.Context, sets []string, vus int) (*Result, error) {
	s, err := r.Prepare(sets, vus)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrScenario, err)
	}
	if r.Simulate == nil && s.Peak() > simulator.DefaultClientsPerWorker {
		return nil, fmt.Errorf("%w: %d clients at the peak, one process runs at most %d (use stampede run, which splits over workers)",
			ErrTooBig, s.Peak(), simulator.DefaultClientsPerWorker)
	}
	secret := r.Secret
	if r.Serve && len(secret) == 0 {
		secret = []byte(rand.Text())
	}
	var targets []string
	var srv *Server
	var server *reports.Server
	switch {
	case r.Serve:
		procs := ProcessesFor(s.Peak(), r.PerProcess)
		args := append(append([]string(nil), r.ServeArgs...), SettingsArgs(s.Server)...)
		srv, err = StartServer(ctx, ServerConfig{Exe: r.Exe, Env: r.ExeEnv, Args: args, Secret: secret, Processes: procs, Log: r.ServerLog})
		if err != nil {
			return nil, err
		}
		defer srv.Stop()
		first := ""
		if len(s.Target.URLs) > 0 {
			first = s.Target.URLs[0]
		}
		targets = []string{srv.Target(first)}
		server = &reports.Server{Settings: s.Server, Args: srv.Args, Processes: procs}
	case r.Target != "":
		targets = strings.Split(r.Target, ",")
	}
	base := baseURL(targets, s)
	var w *Watch
	if base != "" {
		w = StartWatch(ctx, base, secret)
		if srv != nil { // the idle server's own cost, subtracted from the clients'
			select {
			case <-ctx.Done():
			case <-time.After(IdleWindow):
			}
		}
	}
	progress, stopPool := r.Progress, func() {}
	if vanish, ok := VanishAt(s); ok && w != nil {
		progress, stopPool = poolBefore(w, vanish, r.Progress)
	}
	rec, err := r.simulate(ctx, Simulation{Sets: sets, VUs: vus, Config: simulator.RunConfig{
		Scenario: s, Targets: targets, Secret: secret, Seed: r.Seed, Logger: r.Logger,
		Progress: progress, Version: r.Version, MaxConnecting: r.MaxConnecting,
	}})
	stopPool()
	var samples []Sample
	if w != nil {
		samples = w.Stop()
	}
	if err != nil {
		return nil, err
	}
	if server != nil && server.Processes > 1 {
		server.Watched = Instances(samples) // 1: the watch's one connection stayed on one process
	}
	rec.Server = server
	res := &Result{Sets: sets, Scenario: s, Record: rec, Figures: RecordFigures(rec)}
	watchFigures(&res.Figures, samples, s, rec.Environment.Start, rec.Environment.End)
	return res, nil
}

func (r *Runner) simulate(ctx context.Context, sim Simulation) (*reports.Run, error) {
	if r.Simulate != nil {
		return r.Simulate(ctx, sim)
	}
	return simulator.Run(ctx, sim.Config)
}

// poolLead is how long before the clients vanish the watch starts
// reading the session pool.
const poolLead = 200 * time.Millisecond

// poolBefore wraps next so that the first progress report (which says how
// long the run has gone) schedules w.PollPool for poolLead before the
// clients vanish; stop cancels it.
func poolBefore(w *Watch, vanish time.Duration, next simulator.ProgressFunc) (simulator.ProgressFunc, func()) {
	var once sync.Once
	var mu sync.Mutex
	var timer *time.Timer
	f := func(p simulator.Progress) {
		once.Do(func() {
			mu.Lock()
			defer mu.Unlock()
			timer = time.AfterFunc(vanish-p.Elapsed-poolLead, w.PollPool)
		})
		if next != nil {
			next(p)
		}
	}
	return f, func() {
		mu.Lock()
		defer mu.Unlock()
		if timer != nil {
			timer.Stop()
		}
	}
}

// baseURL is the scheme and host of the first target (or the scenario's
// first URL): where the watch polls.
func baseURL(targets []string, s *scenarios.Scenario) string {
	if len(targets) == 0 {
		targets = s.WithDefaults().Target.URLs
	}
	if len(targets) == 0 {
		return ""
	}
	u, err := url.Parse(targets[0])
	if err != nil || u.Host == "" {
		return ""
	}
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	}
	return u.Scheme + "://" + u.Host
}
