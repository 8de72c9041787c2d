package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/stampede-sio/stampede/campaign"
	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/scenarios"
)

// serveArgs is the repeatable --serve-arg FLAG=VALUE: a flag of the
// managed refserver.
type serveArgs []string

func (a *serveArgs) String() string { return strings.Join(*a, " ") }

func (a *serveArgs) Set(v string) error {
	arg, err := campaign.ServeArg(v)
	if err != nil {
		return err
	}
	*a = append(*a, arg)
	return nil
}

// serveExecutable is the binary of managed servers (run --serve, sweep,
// capacity, demo) and what its environment needs; tests replace it.
var serveExecutable = func() (exe string, environ []string, err error) {
	exe, err = os.Executable()
	return exe, nil, err
}

// managedServer starts the refserver of run --serve with the --serve-arg
// flags, then the scenario's server settings, on a free port, as
// campaign.ProcessesFor(peak, perProcess) processes, and points s at it;
// the secret signs its tokens and the clients'. It returns the server (Stop
// it) and the record's description of it.
func managedServer(ctx context.Context, e env, s *scenarios.Scenario, args []string, perProcess int, secret []byte) (*campaign.Server, *reports.Server, error) {
	procs := campaign.ProcessesFor(s.Peak(), perProcess)
	all := append(slices.Clone(args), campaign.SettingsArgs(s.Server)...)
	exe, exeEnv, err := serveExecutable()
	if err != nil {
		return nil, nil, err
	}
	srv, err := campaign.StartServer(ctx, campaign.ServerConfig{Exe: exe, Env: exeEnv, Args: all, Secret: secret, Processes: procs, Log: e.stderr})
	if err != nil {
		return nil, nil, err
	}
	first := ""
	if len(s.Target.URLs) > 0 {
		first = s.Target.URLs[0]
	}
	s.Target.URLs = []string{srv.Target(first)}
	return srv, &reports.Server{Settings: s.Server, Args: srv.Args, Processes: procs}, nil
}

// managedSecret is the secret of a run on a managed server: the one given
// (--secret, WEBUI_SECRET_KEY, the generated key), else a random one.
func managedSecret(secret []byte) []byte {
	if len(secret) > 0 {
		return secret
	}
	return []byte(rand.Text())
}

// serverKeysNote is what run says about a scenario's server settings
// that a run against a target cannot apply; "" when there are none.
func serverKeysNote(s *scenarios.Scenario) string {
	if len(s.Server) == 0 {
		return ""
	}
	return fmt.Sprintf("the scenario's server settings (%s) apply only with --serve; the target keeps its own",
		strings.Join(slices.Sorted(maps.Keys(s.Server)), ", "))
}
