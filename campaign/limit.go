package campaign

import (
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/simulator"
)

// The shares past which a resource counts as the limit.
const (
	cpuLimitShare = 0.6 // of this machine's cores, at the most loaded second
	errorLimitPct = 0.1 // errors per operation, percent
	memLimitShare = 0.8 // of the memory the server holds and could still get
	mib           = 1 << 20
)

// Limiting names the resource that gave out at a step that broke an SLO,
// from what the run saw: errors first (the server refused or dropped
// work), then the server's CPU (past cpuLimitShare of the cores, which
// the generator shares on one machine), then its memory, and otherwise
// latency alone, with the CPU and memory the server used.
func Limiting(res *Result, step *reports.CapacityStep) string {
	f := res.Figures.Values
	cpu, hasCPU := f[reports.FigServerCPU]
	rss, hasRSS := f[reports.FigServerRSS]
	usage := "server CPU and memory not scraped"
	if hasCPU || hasRSS {
		usage = fmt.Sprintf("server CPU at most %.2f of %d cores, RSS at most %.0f MiB", cpu, runtime.NumCPU(), rss)
	}
	if rate := f[reports.FigErrorRate]; rate > errorLimitPct {
		return fmt.Sprintf("errors: %.2f%% of operations failed (%s); %s", rate, errorKinds(res.Record), usage)
	}
	if hasCPU && cpu >= cpuLimitShare*float64(runtime.NumCPU()) {
		return fmt.Sprintf("server CPU: %.2f of %d cores in the busiest second (the generator shares this machine); %s",
			cpu, runtime.NumCPU(), brokenSLOs(step))
	}
	if avail := float64(simulator.ReadHostLimits().MemAvailable); hasRSS && avail > 0 && rss*mib >= memLimitShare*(avail+rss*mib) {
		return fmt.Sprintf("server memory: %.0f MiB resident; %s", rss, brokenSLOs(step))
	}
	return fmt.Sprintf("latency: %s while %s: neither was short (a slow handler, a queue, or a delay inside the server)",
		brokenSLOs(step), usage)
}

// brokenSLOs lists the SLOs a step broke with what was measured.
func brokenSLOs(step *reports.CapacityStep) string {
	var out []string
	for _, r := range step.SLOs {
		if !r.OK {
			out = append(out, fmt.Sprintf("%s measured %s", r.Expr, r.Actual))
		}
	}
	if len(out) == 0 {
		return "no client connected"
	}
	return strings.Join(out, ", ")
}

// errorKinds are the run's most counted error kinds.
func errorKinds(rec *reports.Run) string {
	errs := slices.Clone(rec.Errors)
	slices.SortFunc(errs, func(a, b reports.ErrorSample) int { return int(b.Count - a.Count) })
	var out []string
	for i, e := range errs {
		if i == 3 {
			break
		}
		out = append(out, fmt.Sprintf("%s %d", e.Kind, e.Count))
	}
	if len(out) == 0 {
		return "no kind recorded"
	}
	return strings.Join(out, ", ")
}
