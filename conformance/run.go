package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
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
	// OnResult, when set, is called as each case ends, one call at a time.
	OnResult func(reports.CheckCase)
	// Log, when set, gets what a person watching the run wants on stderr:
	// before the cases, how long the run will take at the target's ping
	// settings (and how to make it faster); during, progress, a line per
	// case when Terminal, else a line per layer; after, the notes.
	Log      io.Writer
	Terminal bool
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
	if opts.Log != nil {
		announce(opts.Log, &target, cases, parallelism(opts))
	}
	return execute(ctx, &target, cases, opts)
}

func parallelism(opts Options) int {
	if opts.Parallel <= 0 {
		return 16
	}
	return opts.Parallel
}

// execute runs the cases against a discovered target.
func execute(ctx context.Context, target *check.Target, cases []check.Case, opts Options) (*reports.Check, error) {
	rec := &reports.Check{Schema: reports.CheckSchema, Target: target.URL.String(), Profile: target.Profile,
		Strict: target.Strict, Started: time.Now().UTC()}
	rec.Cases = make([]reports.CheckCase, len(cases))
	sem := make(chan struct{}, parallelism(opts))
	onResult := opts.OnResult
	if opts.Log != nil {
		p := newProgress(opts.Log, opts.Terminal, cases)
		onResult = func(r reports.CheckCase) {
			p.done(r)
			if opts.OnResult != nil {
				opts.OnResult(r)
			}
		}
	}
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
			if onResult != nil {
				mu.Lock()
				onResult(r)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	rec.Duration = time.Since(rec.Started).Seconds()
	rec.Tally()
	rec.Notes = diagnose(target, cases, rec.Cases)
	if opts.Log != nil {
		for _, n := range rec.Notes {
			fmt.Fprintf(opts.Log, "stampede check: %s\n", n)
		}
	}
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
	var bug string // a panic: a bug of the suite, never the target's fault
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				bug = fmt.Sprintf("suite bug: the case panicked: %v", p)
				func() {
					defer func() { recover() }() // Fail ends with Goexit, not a panic
					t.Fail("the case to run without a panic", bug)
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
	if !timedOut && bug != "" {
		reason = bug
	}
	r := caseRecord(c, status.String())
	r.Reason, r.Expected, r.Actual, r.Duration = reason, expected, actual, time.Since(start).Seconds()
	r.Evidence = evidence(log)
	if status == check.Warn && (c.Upstream == "" || bug != "") {
		r.Status = reports.StatusFail // a warning needs the case's Upstream; a suite bug is no warning
	}
	if status == check.Fail || status == check.Warn {
		for _, e := range log {
			r.Exchange = append(r.Exchange, e.String())
		}
	}
	return r
}

// caseRecord is what the record says of a case whatever its outcome.
func caseRecord(c check.Case, status string) reports.CheckCase {
	r := reports.CheckCase{ID: c.ID, Section: c.Section(), Layer: string(c.Layer), Level: c.Level.String(),
		Requirement: c.Requirement, Status: status, Source: reports.SourceUpstream, Evidence: []string{}}
	if c.Upstream != "" {
		r.Source, r.Upstream = reports.SourceStricter, c.Upstream
	}
	return r
}

// The bounds of a case's evidence: the last lines of its exchange, each cut.
const (
	evidenceLines = 20
	evidenceBytes = 200
)

// evidence is the end of a case's exchange, bounded in lines and bytes.
func evidence(log []check.Exchange) []string {
	out := []string{}
	if len(log) > evidenceLines {
		out = append(out, fmt.Sprintf("… %d earlier lines not kept", len(log)-evidenceLines))
		log = log[len(log)-evidenceLines:]
	}
	for _, e := range log {
		line := e.String()
		if len(line) > evidenceBytes {
			line = strings.ToValidUTF8(line[:evidenceBytes], "") + fmt.Sprintf("… (%d bytes)", len(line))
		}
		out = append(out, line)
	}
	return out
}

func skipped(c check.Case, reason string) reports.CheckCase {
	r := caseRecord(c, reports.StatusSkip)
	r.Reason = reason
	return r
}

func unreachable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnreachable, fmt.Sprintf(format, args...))
}
