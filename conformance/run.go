package conformance

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/reports"
)

// Errors that mean the suite could not run (exit code 2).
var (
	ErrUnreachable = errors.New("conformance: target unreachable")
	ErrNoCases     = errors.New("conformance: no case selected")
)

// Options select and pace a run. The zero value runs every layer but the
// opt-in limits layer.
type Options struct {
	// Layers selects layers; nil: every layer but the opt-in ones
	// (check.LayerLimits, which attacks the target).
	Layers   []check.Layer
	Run      *regexp.Regexp // nil: every case; unanchored, as go test -run
	Parallel int            // cases at once; default 16
	// OnResult, when set, is called as each case ends (for progress).
	OnResult func(reports.CheckCase)
}

// Cases is every case of the suite, in PROTOCOL.md's order.
func Cases() []check.Case {
	var all []check.Case
	for _, layer := range layers() {
		all = append(all, layer...)
	}
	return all
}

// Select returns the cases the options pick.
func Select(cases []check.Case, opts Options) []check.Case {
	var out []check.Case
	for _, c := range cases {
		if opts.Layers == nil && c.Layer == check.LayerLimits {
			continue
		}
		if opts.Layers != nil && !slices.Contains(opts.Layers, c.Layer) {
			continue
		}
		if opts.Run != nil && !opts.Run.MatchString(c.ID) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// Run checks the target. It returns ErrUnreachable (wrapped with the reason)
// when the target does not answer, and ErrNoCases for an empty selection.
func Run(ctx context.Context, target check.Target, opts Options) (*reports.Check, error) {
	cases := Select(Cases(), opts)
	if len(cases) == 0 {
		return nil, ErrNoCases
	}
	if err := Discover(ctx, &target); err != nil {
		return nil, err
	}
	return execute(ctx, &target, cases, opts)
}

// execute runs the cases against a discovered target.
func execute(ctx context.Context, target *check.Target, cases []check.Case, opts Options) (*reports.Check, error) {
	rec := &reports.Check{Schema: reports.CheckSchema, Target: target.URL.String(), Profile: target.Profile,
		Strict: target.Strict, Started: time.Now().UTC()}
	rec.Cases = make([]reports.CheckCase, len(cases))
	parallel := opts.Parallel
	if parallel <= 0 {
		parallel = 16
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				rec.Cases[i] = skipped(c, "interrupted")
				return
			}
			defer func() { <-sem }()
			r := runCase(ctx, target, c)
			rec.Cases[i] = r
			if opts.OnResult != nil {
				mu.Lock()
				opts.OnResult(r)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	rec.Duration = time.Since(rec.Started).Seconds()
	rec.Tally()
	return rec, ctx.Err()
}

// runCase runs one case in its own goroutine, bounded by its timeout.
func runCase(ctx context.Context, target *check.Target, c check.Case) reports.CheckCase {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = max(15*time.Second, 3*target.PingWindow())
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := check.NewT(cctx, target)
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				func() {
					defer func() { recover() }() // Fail ends with Goexit, not a panic
					t.Failf("the case to run", "the case panicked: %v", p)
				}()
			}
		}()
		c.Run(cctx, t)
	}()
	timedOut := false
	select {
	case <-done:
	case <-cctx.Done():
		timedOut = true
	}
	if timedOut && ctx.Err() != nil { // the run was interrupted, not the case slow
		t.Finish(false)
		return skipped(c, "interrupted")
	}
	status, reason, expected, actual, log := t.Finish(timedOut)
	r := reports.CheckCase{
		ID: c.ID, Section: c.Section(), Layer: string(c.Layer), Level: c.Level.String(), Requirement: c.Requirement,
		Status: status.String(), Reason: reason, Expected: expected, Actual: actual,
		Duration: time.Since(start).Seconds(),
	}
	if status == check.Fail {
		for _, e := range log {
			r.Exchange = append(r.Exchange, e.String())
		}
	}
	return r
}

func skipped(c check.Case, reason string) reports.CheckCase {
	return reports.CheckCase{ID: c.ID, Section: c.Section(), Layer: string(c.Layer), Level: c.Level.String(),
		Requirement: c.Requirement, Status: reports.StatusSkip, Reason: reason}
}

// ExitCode maps a record to CLI.md's exit codes: 0 when no decisive case
// failed, 1 otherwise.
func ExitCode(rec *reports.Check) int {
	if rec.Summary.Decisive > 0 {
		return 1
	}
	return 0
}

func unreachable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnreachable, fmt.Sprintf(format, args...))
}
