package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/campaign"
	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator"
)

// campaignFlags are the flags sweep and capacity share: how each run is
// sized and set, where it runs, where the evidence goes.
type campaignFlags struct {
	vus       int
	duration  time.Duration
	sets      scenarioSets
	serve     bool
	serveArgs serveArgs
	// perProcess is --sessions-per-process: a managed server's sessions
	// per process (campaign.ProcessesFor).
	perProcess int
	// perWorker is --clients-per-worker: a run with more clients is split
	// over worker processes, as stampede run splits it.
	perWorker int
	target    string
	secret    string
	out       string
	seed      uint64
}

func (c *campaignFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&c.vus, "vus", 0, "")
	fs.DurationVar(&c.duration, "duration", 0, "")
	fs.Var(&c.sets, "set", "")
	fs.BoolVar(&c.serve, "serve", false, "")
	fs.Var(&c.serveArgs, "serve-arg", "")
	fs.IntVar(&c.perProcess, "sessions-per-process", campaign.SessionsPerProcess, "")
	fs.IntVar(&c.perWorker, "clients-per-worker", simulator.DefaultClientsPerWorker, "")
	fs.StringVar(&c.target, "target", "", "")
	fs.StringVar(&c.secret, "secret", "", "")
	fs.StringVar(&c.out, "out", "", "")
	fs.Uint64Var(&c.seed, "seed", 0, "")
}

// check refuses combinations that cannot work.
func (c *campaignFlags) check() error {
	switch {
	case c.vus < 0:
		return usagef("--vus %d: want a positive number", c.vus)
	case c.duration < 0:
		return usagef("--duration %v: want a positive duration", c.duration)
	case c.serve && c.target != "":
		return usagef("--serve and --target: each run has its own server with --serve, or uses the target")
	case len(c.serveArgs) > 0 && !c.serve:
		return usagef("--serve-arg needs --serve")
	case c.perProcess < 1:
		return usagef("--sessions-per-process %d: want a positive number", c.perProcess)
	case c.perWorker < 1:
		return usagef("--clients-per-worker %d: want a positive number", c.perWorker)
	}
	return nil
}

// runner is the campaign's Runner for these flags: scenarioArg prepared
// with --set, then each run's own sets, and --vus and --duration.
func (c *campaignFlags) runner(e env, scenarioArg string) (*campaign.Runner, error) {
	secret, _, _, _ := resolveSecret(e, c.secret, false)
	exe, exeEnv, err := serveExecutable()
	if err != nil {
		return nil, err
	}
	return &campaign.Runner{
		Prepare: func(sets []string, vus int) (*scenarios.Scenario, error) {
			if vus <= 0 {
				vus = c.vus
			}
			s, errs := prepareScenario(scenarioArg, append(append([]string(nil), c.sets...), sets...), vus, c.duration)
			return s, errors.Join(errs...)
		},
		Serve: c.serve, ServeArgs: c.serveArgs, Exe: exe, ExeEnv: exeEnv, Target: c.target, Secret: secret, Seed: c.seed,
		Logger: runLogger(e), ServerLog: e.stderr, Version: stampedeVersion(), PerProcess: c.perProcess,
		Simulate: func(ctx context.Context, sim campaign.Simulation) (*reports.Run, error) {
			return c.simulate(ctx, e, scenarioArg, sim)
		},
	}, nil
}

// simulate runs one run's clients as stampede run does: in this process,
// or split over ⌈peak/--clients-per-worker⌉ worker processes, each a
// `stampede run --worker` of the scenario with the run's sets and size.
// (The workers take the simulator's default dial slots: capacity's
// --max-connecting applies to a run in this process.)
func (c *campaignFlags) simulate(ctx context.Context, e env, scenarioArg string, sim campaign.Simulation) (*reports.Run, error) {
	s, whole := sim.Config.Scenario, simulator.Segment{}
	n := simulator.Workers(s.Peak(), c.perWorker, whole)
	if n <= 1 {
		return simulator.Run(ctx, sim.Config)
	}
	if err := simulator.ReadHostLimits().Check(s.Peak(), c.perWorker, whole); err != nil {
		return nil, err
	}
	vus := sim.VUs
	if vus <= 0 {
		vus = c.vus
	}
	f := runFlags{seed: sim.Config.Seed, sets: append(slices.Clone(c.sets), sim.Sets...),
		target: strings.Join(sim.Config.Targets, ","), vus: vus, duration: c.duration}
	return runWorkers(ctx, e, f, scenarioArg, whole, n, sim.Config.Secret, sim.Config.Progress)
}

// campaignError maps a campaign's error to its exit code: its input (a
// scenario, a --vary, a run too big) could not run, 2; interrupted, 3.
func campaignError(err error, interrupted bool) error {
	if interrupted {
		return withCode(exitInterrupted, err)
	}
	return err
}

// writeOut writes one file of --out DIR with render.
func writeOut(dir, name string, render func(io.Writer) error) error {
	if err := writeFile(filepath.Join(dir, name), render); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

// makeOut creates --out DIR ("" writes nothing).
func makeOut(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usagef("--out: %v", err)
	}
	return nil
}

// writeRunRecord writes a run's record into --out as name (JSON) and
// returns name, or "" when there is no --out or no record.
func writeRunRecord(dir, name string, rec *reports.Run) string {
	if dir == "" || rec == nil {
		return ""
	}
	if writeOut(dir, name, func(w io.Writer) error { return reports.WriteRunJSON(w, rec) }) != nil {
		return ""
	}
	return name
}
