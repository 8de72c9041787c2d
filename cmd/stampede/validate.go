package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator"
)

var validateUsage = `Usage: stampede validate SCENARIO.yaml|NAME [--set key=value]... [--vus N] [--duration D]

Checks a scenario file, or a built-in scenario by name, without running it:
its syntax, types, meaning and thresholds, every problem at once with its
line and field.
With --set, --vus and --duration it checks the scenario as stampede run would
run it. Exits 0 and prints "ok: NAME (N phases, M flows)" when the scenario
is valid, 2 with one problem per line on stderr when it is not, or when
its peak population is more than this machine holds (about MemAvailable
/ 11 KiB clients; stampede run --segment splits a run over machines).

Flags (before or after the scenario):
  --set key=value   change a field by its dotted path, repeatable:
                    phases.0.rate=500, client.heartbeat=15s, vars.room=c0002,
                    target.urls=http://a:8080,http://b:8080
  --vus N           scale the populations so that the peak is N clients
  --duration D      scale the phases so that they last D in total

Built-in scenarios: ` + strings.Join(scenarios.BuiltinNames(), ", ") + `

Examples:
  stampede validate scenarios/room-fanout.yaml
  stampede validate connect-storm --vus 20000 --duration 5m
  stampede validate room-fanout --set vars.room=c0002 --set phases.1.duration=2m
`

var validateCommand = command{
	summary: "check a scenario file without running it",
	usage:   validateUsage,
	runE:    runValidate,
}

// scenarioSets collects repeated --set key=value flags.
type scenarioSets []string

func (s *scenarioSets) String() string { return strings.Join(*s, " ") }

func (s *scenarioSets) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	*s = append(*s, v)
	return nil
}

func runValidate(_ context.Context, e env, args []string) error {
	var sets scenarioSets
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&sets, "set", "")
	vus := fs.Int("vus", 0, "")
	duration := fs.Duration("duration", 0, "")
	pos, err := parseInterleaved(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(e.stdout, validateUsage)
		return nil
	case err != nil:
		return usagef("%v", err)
	case len(pos) != 1:
		return usagef("want one scenario file or built-in name\n\n%s", strings.TrimSuffix(validateUsage, "\n"))
	case *vus < 0:
		return usagef("--vus %d: want a positive number", *vus)
	case *duration < 0:
		return usagef("--duration %v: want a positive duration", *duration)
	}
	s, errs := prepareScenario(pos[0], sets, *vus, *duration)
	if len(errs) > 0 {
		return errs
	}
	if err := simulator.ReadHostLimits().Check(s.Peak(), 0, simulator.Segment{}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "ok: %s (%d phases, %d flows)\n", s.Name, len(s.Phases), len(s.Flows))
	return nil
}

// scenarioProblems are every problem found in a scenario, its file's and its
// --set's; main prints them one per line (printScenarioErrors). They could
// not run: exit 2.
type scenarioProblems []error

func (p scenarioProblems) Error() string { return errors.Join(p...).Error() }

func (p scenarioProblems) Unwrap() []error { return p }

// prepareScenario opens a scenario file or built-in, applies every --set,
// scales it and validates it (thresholds included), returning
// every problem found, or nil.
func prepareScenario(arg string, sets []string, vus int, duration time.Duration) (*scenarios.Scenario, scenarioProblems) {
	s, err := scenarios.Open(arg)
	if err != nil {
		return nil, scenarioProblems{err}
	}
	var errs scenarioProblems
	for _, kv := range sets {
		k, v, _ := strings.Cut(kv, "=")
		if err := scenarios.Set(s, k, v); err != nil {
			errs = append(errs, err)
		}
	}
	s = scenarios.Scale(s, vus, duration)
	if err := s.Validate(); err != nil {
		errs = append(errs, err)
	}
	return s, errs
}

// printScenarioErrors writes one problem per line: scenario problems as
// file:line: field: message, anything else after the command's name.
func printScenarioErrors(w io.Writer, prefix string, errs []error) {
	for _, err := range errs {
		var list scenarios.Errors
		if errors.As(err, &list) {
			for _, e := range list {
				fmt.Fprintln(w, e.Error())
			}
			continue
		}
		fmt.Fprintf(w, "%s: %v\n", prefix, err)
	}
}

// parseInterleaved parses flags that may come before and after positional
// arguments (stampede validate NAME --vus 10), returning the positionals.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil // after --, everything is positional
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}
