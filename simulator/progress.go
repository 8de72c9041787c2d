package simulator

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/simulator/metrics"
)

// Progress is one second of a run as the live progress line shows it.
type Progress struct {
	Phase       string        `json:"phase,omitempty"` // the phase in progress
	Elapsed     time.Duration `json:"elapsed_ns"`
	Total       time.Duration `json:"total_ns,omitempty"` // the phases' planned length
	Clients     int64         `json:"clients"`            // connected now
	Connects    int64         `json:"connects"`           // connections established in the last second
	MessagesIn  int64         `json:"messages_in"`        // events received in the last second
	MessagesOut int64         `json:"messages_out"`       // events sent in the last second
	AckP99      time.Duration `json:"ack_p99_ns"`         // over every ack since the start
	Errors      int64         `json:"errors"`             // since the start

	// Totals since the start, which add up over worker processes however
	// often their lines arrive (run --metrics-addr).
	ConnectsTotal    int64            `json:"connects_total"`
	MessagesInTotal  int64            `json:"messages_in_total"`
	MessagesOutTotal int64            `json:"messages_out_total"`
	ErrorsByKind     map[string]int64 `json:"errors_by_kind,omitempty"`
	StartsDropped    int64            `json:"starts_dropped"`
	// Latency is the last second's quantiles of every timer with samples
	// in it (the generator's lag included), per tag set.
	Latency []IntervalLatency `json:"latency,omitempty"`
}

// IntervalLatency is one timer's quantiles over one second of a run.
type IntervalLatency struct {
	Metric string            `json:"metric"`
	Tags   map[string]string `json:"tags,omitempty"`
	Count  int64             `json:"count"`
	P50    time.Duration     `json:"p50_ns"`
	P90    time.Duration     `json:"p90_ns"`
	P99    time.Duration     `json:"p99_ns"`
	Max    time.Duration     `json:"max_ns"`
}

// ProgressFunc receives a run's progress once a second.
type ProgressFunc func(Progress)

// progressOf is the progress at a point of the series, snap the interval
// it was made of, errors and connects the totals since the start.
func progressOf(p reports.Point, snap metrics.Snapshot, errors, connects int64) Progress {
	pr := Progress{
		Elapsed: snap.Elapsed, Clients: p.Clients, Connects: p.Connects,
		MessagesIn: p.MessagesIn, MessagesOut: p.MessagesOut,
		AckP99: time.Duration(p.AckP99 * float64(time.Millisecond)), Errors: errors,
		ConnectsTotal: connects,
	}
	for _, c := range snap.Counters {
		switch c.Metric {
		case threshold.MetricMessagesReceived:
			pr.MessagesInTotal += c.Value
		case threshold.MetricMessagesSent:
			pr.MessagesOutTotal += c.Value
		case threshold.MetricStartsDropped:
			pr.StartsDropped += c.Value
		case threshold.MetricErrors:
			if c.Value > 0 {
				if pr.ErrorsByKind == nil {
					pr.ErrorsByKind = make(map[string]int64)
				}
				pr.ErrorsByKind[c.Tags[threshold.TagKind]] += c.Value
			}
		}
	}
	for _, t := range snap.Timers {
		if t.Count > 0 {
			pr.Latency = append(pr.Latency, IntervalLatency{
				Metric: t.Metric, Tags: t.Tags, Count: t.Count, P50: t.P50, P90: t.P90, P99: t.P99, Max: t.Max,
			})
		}
	}
	return pr
}

// String is the live progress line: the phase, elapsed / total, clients,
// connects, messages in and out and errors per second, the last second's
// ack and push p99, the errors since the start, and, when the last
// second's generator lag p99 exceeds reports.OverloadLagP99, the marker
// with its rule:
//
//	typing   12s/40s  clients 1000  connects/s 0  msgs/s in 20012 out 20  ack p99 -  push p99 12.3ms  errors 0  OVERLOADED (lag p99 23.0ms > 10ms)
func (p Progress) String() string {
	var b strings.Builder
	if p.Phase != "" {
		fmt.Fprintf(&b, "%-8s ", p.Phase)
	}
	fmt.Fprintf(&b, "%4s", wholeSeconds(p.Elapsed))
	if p.Total > 0 {
		fmt.Fprintf(&b, "/%s", wholeSeconds(p.Total))
	}
	fmt.Fprintf(&b, "  clients %d  connects/s %d  msgs/s in %d out %d  ack p99 %s  push p99 %s  errors %d",
		p.Clients, p.Connects, p.MessagesIn, p.MessagesOut,
		p.intervalP99(threshold.MetricAck), p.intervalP99(threshold.MetricPush), p.Errors)
	if lag, ok := p.lagP99(); ok && lag > reports.OverloadLagP99 {
		fmt.Fprintf(&b, "  OVERLOADED (lag p99 %s > %gms)", formatLatency(time.Duration(lag*float64(time.Millisecond))), reports.OverloadLagP99)
	}
	return b.String()
}

func wholeSeconds(d time.Duration) string {
	return fmt.Sprintf("%ds", int64(d.Round(time.Second)/time.Second))
}

// intervalP99 is the last second's p99 of metric over its tag sets (the
// highest of theirs, an upper bound of the union's), "-" without samples.
func (p Progress) intervalP99(metric string) string {
	var top time.Duration
	seen := false
	for _, l := range p.Latency {
		if l.Metric == metric && l.Count > 0 {
			top, seen = max(top, l.P99), true
		}
	}
	if !seen {
		return "-"
	}
	return formatLatency(top)
}

// lagP99 is the last second's generator lag p99 in milliseconds.
func (p Progress) lagP99() (float64, bool) {
	for _, l := range p.Latency {
		if l.Metric == threshold.MetricLag && l.Count > 0 {
			return float64(l.P99) / float64(time.Millisecond), true
		}
	}
	return 0, false
}

func formatLatency(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%dµs", d/time.Microsecond)
	}
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

// ProgressText writes each progress as a line of text to w, for a log or
// a pipe (ProgressTerminal redraws one line on a terminal).
func ProgressText(w io.Writer) ProgressFunc {
	var mu sync.Mutex
	return func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(w, p.String())
	}
}

// ProgressTerminal redraws the progress on one line of the terminal w:
// a carriage return, the line, and clear to its end. done ends that line
// with a newline, once the run is over, if any progress was drawn.
func ProgressTerminal(w io.Writer) (progress ProgressFunc, done func()) {
	var mu sync.Mutex
	drawn := false
	progress = func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "\r%s\x1b[K", p.String())
		drawn = true
	}
	done = func() {
		mu.Lock()
		defer mu.Unlock()
		if drawn {
			fmt.Fprintln(w)
			drawn = false
		}
	}
	return progress, done
}

// progressPrefix starts the machine-readable progress lines of a worker.
const progressPrefix = "stampede-progress "

// ProgressJSON writes each progress to w as one line, progressPrefix and a
// JSON object, for the parent of a worker process (ParseProgress).
func ProgressJSON(w io.Writer) ProgressFunc {
	var mu sync.Mutex
	return func(p Progress) {
		b, _ := json.Marshal(p) // a struct of numbers: cannot fail
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s%s\n", progressPrefix, b)
	}
}

// ParseProgress reads a line written by ProgressJSON; ok is false for any
// other line.
func ParseProgress(line string) (p Progress, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimRight(line, "\r\n"), progressPrefix)
	if !found {
		return p, false
	}
	return p, json.Unmarshal([]byte(rest), &p) == nil
}

// sumProgress adds up the progress of several processes of one run:
// levels, rates and errors add; the phase is that of the process furthest
// on; the elapsed and total time and the ack p99 are the
// largest (the p99 of the union is at most the largest p99 of its parts,
// and about it when the parts see the same server).
func sumProgress(parts []Progress) Progress {
	var s Progress
	for _, p := range parts {
		if p.Elapsed >= s.Elapsed && p.Phase != "" {
			s.Phase = p.Phase // the phase of the process furthest on
		}
		s.Elapsed, s.Total = max(s.Elapsed, p.Elapsed), max(s.Total, p.Total)
		s.Clients += p.Clients
		s.Connects += p.Connects
		s.MessagesIn += p.MessagesIn
		s.MessagesOut += p.MessagesOut
		s.AckP99 = max(s.AckP99, p.AckP99)
		s.Errors += p.Errors
		s.ConnectsTotal += p.ConnectsTotal
		s.MessagesInTotal += p.MessagesInTotal
		s.MessagesOutTotal += p.MessagesOutTotal
		s.StartsDropped += p.StartsDropped
		for kind, n := range p.ErrorsByKind {
			if s.ErrorsByKind == nil {
				s.ErrorsByKind = make(map[string]int64)
			}
			s.ErrorsByKind[kind] += n
		}
		s.Latency = mergeLatency(s.Latency, p.Latency)
	}
	return s
}

// mergeLatency adds the timers of b into a: counts add, and each quantile
// is the larger of the two, an upper bound of the union's, as for AckP99.
func mergeLatency(a, b []IntervalLatency) []IntervalLatency {
	for _, l := range b {
		i := slices.IndexFunc(a, func(x IntervalLatency) bool { return x.Metric == l.Metric && maps.Equal(x.Tags, l.Tags) })
		if i < 0 {
			a = append(a, l)
			continue
		}
		a[i].Count += l.Count
		a[i].P50, a[i].P90 = max(a[i].P50, l.P50), max(a[i].P90, l.P90)
		a[i].P99, a[i].Max = max(a[i].P99, l.P99), max(a[i].Max, l.Max)
	}
	return a
}
