package campaign

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/reports"
)

// ErrVary wraps a --vary that cannot be used.
var ErrVary = errors.New("campaign: bad --vary")

// Vary is one varied setting: a --set path (client.heartbeat,
// phases.0.rate) or a server setting (server.ping_interval), and its
// values as given.
type Vary struct {
	Key    string
	Values []string
}

// ParseVary reads KEY=V1,V2,….
func ParseVary(s string) (Vary, error) {
	key, list, ok := strings.Cut(s, "=")
	if !ok || key == "" || list == "" {
		return Vary{}, fmt.Errorf("%w %q: want KEY=V1,V2,… (server.ping_interval=1s,5s)", ErrVary, s)
	}
	v := Vary{Key: key}
	for _, value := range strings.Split(list, ",") {
		if value = strings.TrimSpace(value); value == "" {
			return Vary{}, fmt.Errorf("%w %q: an empty value", ErrVary, s)
		}
		v.Values = append(v.Values, value)
	}
	return v, nil
}

// Combinations are every choice of one value per Vary, the first Vary
// changing slowest.
func Combinations(vs []Vary) [][]string {
	out := [][]string{nil}
	for _, v := range vs {
		var next [][]string
		for _, c := range out {
			for _, value := range v.Values {
				next = append(next, append(append([]string(nil), c...), value))
			}
		}
		out = next
	}
	return out
}

// BuiltinSweep is a sweep stampede knows by name: a built-in scenario
// and the settings it varies.
type BuiltinSweep struct {
	Scenario string
	Vary     []Vary
	// Serve: the varied settings include the server's; the sweep needs
	// managed servers.
	Serve bool
}

// BuiltinSweeps are the sweeps `stampede sweep NAME` runs without --vary.
// ping-settings answers what the ping settings cost and buy: server ping
// interval × ping timeout × client heartbeat → server CPU and memory per
// 1,000 clients, bytes per client per minute, and how long a vanished
// client stays connected and counted. Its defaults run 8 combinations of
// 18 s each (about three minutes here).
var BuiltinSweeps = map[string]BuiltinSweep{
	"ping-settings": {Scenario: "ping-settings", Serve: true, Vary: []Vary{
		{Key: "server.ping_interval", Values: []string{"1s", "4s"}},
		{Key: "server.ping_timeout", Values: []string{"1s", "2s"}},
		{Key: "client.heartbeat", Values: []string{"5s", "10s"}},
	}},
}

// SweepConfig is one sweep.
type SweepConfig struct {
	Runner   *Runner
	Scenario string // for the record
	Vary     []Vary
	Repeat   int      // runs per combination; 0: 1
	Sets     []string // --set values every run has, before the varied ones
	// OnRun hears about each run as it ends (res nil when err is set);
	// nil: nothing. It may keep the record (writing it, say) and return the
	// name the sweep's record gives it.
	OnRun func(i, n int, values []string, res *Result, err error) string
}

// Sweep runs every combination Repeat times, one after another. A run
// that fails to start is kept in its row with its error (the sweep goes
// on), except a bad scenario or --vary value, which stops it before the
// first run. When ctx is done the sweep stops and returns what it has,
// with ctx's error.
func Sweep(ctx context.Context, cfg SweepConfig) (*reports.Sweep, error) {
	if len(cfg.Vary) == 0 {
		return nil, fmt.Errorf("%w: nothing to vary", ErrVary)
	}
	for _, v := range cfg.Vary {
		if IsServerKey(v.Key) && !cfg.Runner.Serve {
			return nil, fmt.Errorf("%w: %s is a server setting: it needs --serve (a managed server per run)", ErrVary, v.Key)
		}
	}
	repeat := max(1, cfg.Repeat)
	out := &reports.Sweep{Schema: reports.SweepSchema, Scenario: cfg.Scenario, Managed: cfg.Runner.Serve, Repeat: repeat, Start: time.Now()}
	for _, v := range cfg.Vary {
		out.Keys = append(out.Keys, v.Key)
	}
	combos := Combinations(cfg.Vary)
	// Every combination must prepare before anything runs.
	for _, c := range combos {
		if _, err := cfg.Runner.Prepare(cfg.sets(c), 0); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrScenario, strings.Join(cfg.pairs(c), " "), err)
		}
	}
	n, i := len(combos)*repeat, 0
	for _, c := range combos {
		row := reports.SweepRow{Values: c}
		for range repeat {
			if err := ctx.Err(); err != nil {
				out.End = time.Now()
				return out, err
			}
			res, err := cfg.Runner.Run(ctx, cfg.sets(c))
			i++
			run := reports.SweepRun{}
			if cfg.OnRun != nil {
				run.Record = cfg.OnRun(i, n, c, res, err)
			}
			switch {
			case err != nil:
				run.Error = err.Error()
			default:
				run.OK = thresholdsHeld(res.Record)
				run.Figures, run.Open = res.Figures.Values, res.Figures.Open
				if srv := res.Record.Server; srv != nil {
					run.Processes, run.Watched = srv.Processes, srv.Watched
				}
				if len(run.Open) == 0 {
					run.Open = nil
				}
			}
			row.Runs = append(row.Runs, run)
		}
		out.Rows = append(out.Rows, row)
	}
	out.End = time.Now()
	return out, ctx.Err()
}

// sets are the --set values of one combination.
func (cfg SweepConfig) sets(values []string) []string {
	return append(append([]string(nil), cfg.Sets...), cfg.pairs(values)...)
}

func (cfg SweepConfig) pairs(values []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = cfg.Vary[i].Key + "=" + v
	}
	return out
}

// thresholdsHeld reports whether the run was complete and every threshold
// held.
func thresholdsHeld(rec *reports.Run) bool {
	if rec.Interrupted {
		return false
	}
	for _, t := range rec.Thresholds {
		if !t.OK {
			return false
		}
	}
	return true
}
