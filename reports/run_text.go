package reports

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
)

// WriteRunText renders a load run for people: dropped starts first when
// the generator gave up on any (the load was smaller than asked for), then
// the latency of every timer
// and tag set, the counters, the generator's health (with a warning when it
// was itself the bottleneck), the latency of each phase apart, the thresholds, what the servers reported and
// the errors seen.
func WriteRunText(w io.Writer, r *Run) error {
	bw := bufio.NewWriter(w)
	writePartial(bw, r)
	writeDropped(bw, r)
	writeRunHeader(bw, r)
	writeTargetsDown(bw, r.TargetsDown)
	writeLatencies(bw, r)
	writePhaseLatencies(bw, r.Phases)
	writeCounters(bw, r)
	writeGenerator(bw, r.Generator)
	writeThresholds(bw, r.Thresholds)
	writeServer(bw, r.Series)
	writeErrors(bw, r.Errors)
	return bw.Flush()
}

// writePartial leads the summary of a merge of an incomplete set of
// segments: every total after it lacks the missing segments' clients.
func writePartial(w io.Writer, r *Run) {
	if !r.Partial {
		return
	}
	names := make([]string, len(r.Missing))
	for i, s := range r.Missing {
		names[i] = s.String()
	}
	fmt.Fprintf(w, "PARTIAL RUN: segments %s missing: every figure below lacks their clients\n", strings.Join(names, ", "))
}

// writeDropped leads the summary with the starts the generator gave up on:
// every figure after it describes a smaller load than the scenario asked for.
func writeDropped(w io.Writer, r *Run) {
	dropped := r.Counter(threshold.MetricStartsDropped, nil)
	if dropped == 0 {
		return
	}
	intended := r.Counter(threshold.MetricStarts, nil) + dropped
	fmt.Fprintf(w, "DROPPED STARTS: %d of %d intended starts (%s) were never made: the generator fell behind, and the load was smaller than the scenario asked for\n",
		dropped, intended, formatPercent(float64(dropped)/float64(intended)))
}

func writeRunHeader(w io.Writer, r *Run) {
	fmt.Fprintf(w, "stampede run %s: %s", r.Scenario, strings.Join(r.Targets, ", "))
	if len(r.Segments) > 0 {
		segs := make([]string, len(r.Segments))
		for i, s := range r.Segments {
			segs[i] = s.String()
		}
		fmt.Fprintf(w, " (segments %s)", strings.Join(segs, ", "))
	}
	e := r.Environment
	fmt.Fprintf(w, "\nstarted %s, ran %s on %s (%s/%s, %d CPUs, %s, stampede %s)\n",
		e.Start.UTC().Format(time.RFC3339), seconds(r.Seconds()), e.Host, e.GOOS, e.GOARCH, e.CPUs, e.GoVersion, e.Version)
	if r.Interrupted {
		fmt.Fprintln(w, "INTERRUPTED: partial results")
	}
}

func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
}

func writeLatencies(w io.Writer, r *Run) {
	if len(r.Histograms) == 0 {
		return
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "\nlatency\tcount\tp50\tp90\tp99\tmax")
	for _, h := range r.Histograms {
		writeLatencyRow(tw, "", h)
	}
	tw.Flush()
}

// writeLatencyRow writes one histogram's row of a latency table.
func writeLatencyRow(w io.Writer, indent string, h HistogramRecord) {
	f := formatMs
	if h.Unit != UnitMilliseconds {
		f = func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) + h.Unit }
	}
	fmt.Fprintf(w, "%s%s%s\t%d\t%s\t%s\t%s\t%s\n", indent, h.Metric, tagLabel(h.Tags), h.Count, f(h.P50), f(h.P90), f(h.P99), f(h.Max))
}

func writeCounters(w io.Writer, r *Run) {
	rate, hasRate := r.ErrorRate(nil)
	if len(r.Counters) == 0 && !hasRate {
		return
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "\ncounter\ttotal\tper second")
	secs := r.Seconds()
	for _, c := range r.Counters {
		perSec := "-"
		if secs > 0 {
			perSec = strconv.FormatFloat(math.Round(float64(c.Value)/secs*100)/100, 'f', -1, 64)
		}
		fmt.Fprintf(tw, "%s%s\t%d\t%s\n", c.Metric, tagLabel(c.Tags), c.Value, perSec)
	}
	if hasRate {
		fmt.Fprintf(tw, "%s\t%s\n", threshold.MetricErrorRate, formatPercent(rate))
	}
	tw.Flush()
}

// writeTargetsDown says first which targets died mid-run: what follows
// measured a dead server, not the generator.
func writeTargetsDown(w io.Writer, down []TargetDown) {
	for _, d := range down {
		fmt.Fprintf(w, "\nWARNING: target %s died mid-run: reachable at first (%d connections), then refused from %.1fs on: %s\n",
			d.Target, d.Connections, d.At, d.Error)
	}
}

func writeGenerator(w io.Writer, g Generator) {
	fmt.Fprintf(w, "\ngenerator\n  lag p99 %s, max %s; starts dropped %d, delayed %d\n",
		formatMs(g.LagP99), formatMs(g.LagMax), g.StartsDropped, g.StartsDelayed)
	if g.RSSMax > 0 {
		fmt.Fprintf(w, "  rss max %.1f MiB, %.1f KiB per connected client\n", float64(g.RSSMax)/(1<<20), g.RSSPerClientKiB)
	}
	if g.Overloaded() {
		fmt.Fprintln(w, "  WARNING: the generator was overloaded; latencies include its own delay")
	}
}

func writeThresholds(w io.Writer, ts []ThresholdResult) {
	if len(ts) == 0 {
		return
	}
	fmt.Fprintln(w, "\nthresholds")
	tw := newTable(w)
	for _, t := range ts {
		status, actual := "FAIL", t.Actual
		if t.OK {
			status = "ok"
		}
		if t.Err != "" {
			actual = t.Err
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", status, t.Expr, actual)
	}
	tw.Flush()
}

// writeServer summarises the servers' /metrics as scraped during the run.
func writeServer(w io.Writer, series []Point) {
	var n, cpuN int
	var cpuSum, cpuMax float64
	var rss, gor int64
	for _, p := range series {
		if p.ServerCPU == nil && p.ServerRSS == nil && p.ServerGoroutines == nil {
			continue
		}
		n++
		if p.ServerCPU != nil {
			cpuN++
			cpuSum += *p.ServerCPU
			cpuMax = max(cpuMax, *p.ServerCPU)
		}
		if p.ServerRSS != nil {
			rss = max(rss, *p.ServerRSS)
		}
		if p.ServerGoroutines != nil {
			gor = max(gor, *p.ServerGoroutines)
		}
	}
	if n == 0 {
		return
	}
	var parts []string
	if cpuN > 0 {
		parts = append(parts, fmt.Sprintf("cpu mean %.2f cores, max %.2f", cpuSum/float64(cpuN), cpuMax))
	}
	parts = append(parts, fmt.Sprintf("rss max %.1f MiB", float64(rss)/(1<<20)), fmt.Sprintf("goroutines max %d", gor))
	fmt.Fprintf(w, "\nserver (%d scrapes)\n  %s\n", n, strings.Join(parts, "; "))
}

func writeErrors(w io.Writer, errs []ErrorSample) {
	if len(errs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nerrors")
	tw := newTable(w)
	for _, e := range errs {
		first := ""
		if len(e.Messages) > 0 {
			first = e.Messages[0]
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\n", e.Kind, e.Count, first)
	}
	tw.Flush()
}

// formatMs renders milliseconds as a duration with about three significant
// digits, as HDR histograms resolve them.
func formatMs(ms float64) string {
	d := time.Duration(ms * float64(time.Millisecond))
	var unit time.Duration
	switch {
	case d < time.Millisecond:
		unit = time.Microsecond
	case d < 10*time.Millisecond:
		unit = 10 * time.Microsecond
	case d < 100*time.Millisecond:
		unit = 100 * time.Microsecond
	case d < time.Second:
		unit = time.Millisecond
	case d < 10*time.Second:
		unit = 10 * time.Millisecond
	case d < 100*time.Second:
		unit = 100 * time.Millisecond
	default:
		unit = time.Second
	}
	return d.Round(unit).String()
}
