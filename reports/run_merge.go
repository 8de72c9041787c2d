package reports

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stampede-sio/stampede/internal/threshold"
)

// MergeRuns combines the records of the segments of one run (--segment i/n,
// or worker processes) into one record:
//
//   - histograms are merged exactly: decoded, merged and encoded again, and
//     their summaries recomputed; so are each phase's, by phase name;
//   - counters and error counts are summed by metric and tags; error
//     messages are kept up to MaxErrorMessages per kind;
//   - the series is aligned by second (t) and summed where the figure adds
//     up across segments: clients, connecting, connects, messages_in,
//     messages_out, errors. ack_p99_ms is recomputed from the merged ack_hdr
//     of every second up to t (the max of the segments' values where none
//     carries ack_hdr). The server figures are the largest the segments
//     saw, since every segment scrapes the same servers;
//   - the generator's dropped and delayed starts are summed and its lag is
//     recomputed from the merged lag histogram (the max where there is none);
//   - the environment is the first run's, with the earliest start and the
//     latest end; targets are the union; the segments are listed, none
//     when they are every segment of their split: the record is then the
//     whole run's;
//   - thresholds are evaluated again, over the merged record, with the
//     first run's expressions.
//
// The runs must be of one scenario and their segments distinct, of one n.
func MergeRuns(runs ...*Run) (*Run, error) {
	if len(runs) == 0 {
		return nil, errors.New("failed to merge runs: no runs")
	}
	first := runs[0]
	out := &Run{
		Schema: RunSchema, Scenario: first.Scenario, Config: first.Config,
		Environment: first.Environment, Server: first.Server,
	}
	for i, r := range runs {
		if r.Schema < oldestRunSchema || r.Schema > RunSchema {
			return nil, fmt.Errorf("failed to merge runs: run %d: %w: schema %d", i+1, ErrRunSchema, r.Schema)
		}
		if r.Scenario != first.Scenario {
			return nil, fmt.Errorf("failed to merge runs: run %d is of scenario %q, run 1 of %q", i+1, r.Scenario, first.Scenario)
		}
		for _, t := range r.Targets {
			if !slices.Contains(out.Targets, t) {
				out.Targets = append(out.Targets, t)
			}
		}
		out.Segments = append(out.Segments, r.Segments...)
		out.Environment.Start = earliest(out.Environment.Start, r.Environment.Start)
		if r.Environment.End.After(out.Environment.End) {
			out.Environment.End = r.Environment.End
		}
		out.Interrupted = out.Interrupted || r.Interrupted
	}
	if err := checkSegments(out.Segments); err != nil {
		return nil, err
	}
	if len(out.Segments) > 0 && len(out.Segments) == out.Segments[0].N { // distinct, of one n: all of them
		out.Segments = nil
	}
	var err error
	sets := make([][]HistogramRecord, len(runs))
	for i, r := range runs {
		sets[i] = r.Histograms
	}
	if out.Histograms, err = mergeHistograms(sets); err != nil {
		return nil, err
	}
	if out.Phases, err = mergePhases(runs); err != nil {
		return nil, err
	}
	if out.Series, err = mergeSeries(runs); err != nil {
		return nil, err
	}
	out.Counters = mergeCounters(runs)
	out.SortRecords()
	out.Errors = mergeErrors(runs)
	out.Generator = mergeGenerator(out, runs)
	if len(first.Thresholds) > 0 {
		exprs := make([]string, len(first.Thresholds))
		for i, t := range first.Thresholds {
			exprs[i] = t.Expr
		}
		out.Thresholds, _ = Evaluate(out, exprs)
	}
	return out, nil
}

// MissingSegments lists the segments of the split that runs come from
// which none of them holds, in order: a merge of them would describe a
// smaller run than the one started. Whole runs (no segments) miss none.
func MissingSegments(runs ...*Run) []Segment {
	n := 0
	have := map[int]bool{}
	for _, r := range runs {
		for _, s := range r.Segments {
			n = max(n, s.N)
			have[s.I] = true
		}
	}
	var missing []Segment
	for i := 1; i <= n; i++ {
		if !have[i] {
			missing = append(missing, Segment{I: i, N: n})
		}
	}
	return missing
}

// sumOf adds two optional figures: nil when both are absent.
func sumOf(a, b *int64) *int64 {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	v := *a + *b
	return &v
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func checkSegments(segs []Segment) error {
	for i, s := range segs {
		if s.N != segs[0].N {
			return fmt.Errorf("failed to merge runs: segment %s and %s split the run differently", segs[0], s)
		}
		if slices.Contains(segs[:i], s) {
			return fmt.Errorf("failed to merge runs: segment %s appears twice", s)
		}
	}
	return nil
}

func mergeHistograms(sets [][]HistogramRecord) ([]HistogramRecord, error) {
	type acc struct {
		rec HistogramRecord
		h   *hdrhistogram.Histogram
	}
	var order []string
	byKey := map[string]*acc{}
	for _, set := range sets {
		for _, rec := range set {
			h, err := rec.Decode()
			if err != nil {
				return nil, fmt.Errorf("failed to merge runs: %w", err)
			}
			key := rec.Metric + tagKey(rec.Tags)
			a := byKey[key]
			if a == nil {
				byKey[key] = &acc{rec: rec, h: h}
				order = append(order, key)
				continue
			}
			if a.rec.HDRUnit != rec.HDRUnit {
				return nil, fmt.Errorf("failed to merge runs: histogram %s%s in %s and in %s", rec.Metric, tagLabel(rec.Tags), a.rec.HDRUnit, rec.HDRUnit)
			}
			if dropped := a.h.Merge(h); dropped > 0 {
				return nil, fmt.Errorf("failed to merge runs: histogram %s%s: %d values out of range", rec.Metric, tagLabel(rec.Tags), dropped)
			}
		}
	}
	out := make([]HistogramRecord, 0, len(order))
	for _, key := range order {
		a := byKey[key]
		rec, err := NewHistogramRecord(a.rec.Metric, a.rec.Tags, a.h, a.rec.HDRUnit)
		if err != nil {
			return nil, fmt.Errorf("failed to merge runs: %w", err)
		}
		out = append(out, rec)
	}
	return out, nil
}

func mergeCounters(runs []*Run) []CounterRecord {
	var out []CounterRecord
	index := map[string]int{}
	for _, r := range runs {
		for _, c := range r.Counters {
			key := c.Metric + tagKey(c.Tags)
			if i, ok := index[key]; ok {
				out[i].Value += c.Value
				continue
			}
			index[key] = len(out)
			out = append(out, c)
		}
	}
	return out
}

func mergeSeries(runs []*Run) ([]Point, error) {
	byT := map[int64]*Point{}
	acks := map[int64]*hdrhistogram.Histogram{}
	for _, r := range runs {
		for _, p := range r.Series {
			m := byT[p.T]
			if m == nil {
				m = &Point{T: p.T}
				byT[p.T] = m
			}
			m.Clients += p.Clients
			m.Connecting += p.Connecting
			m.Connects += p.Connects
			m.MessagesIn += p.MessagesIn
			m.MessagesOut += p.MessagesOut
			m.Errors += p.Errors
			AddCounts(&m.ErrorsByKind, p.ErrorsByKind)
			AddCounts(&m.MessagesOutByEvent, p.MessagesOutByEvent)
			m.Latency = MergeLatency(m.Latency, p.Latency)
			m.AckP99 = max(m.AckP99, p.AckP99)
			m.ServerCPU = maxOf(m.ServerCPU, p.ServerCPU)
			m.ServerRSS = maxOf(m.ServerRSS, p.ServerRSS)
			m.ServerGoroutines = maxOf(m.ServerGoroutines, p.ServerGoroutines)
			m.GeneratorRSS = sumOf(m.GeneratorRSS, p.GeneratorRSS)
			if p.AckHDR == "" {
				continue
			}
			h, err := hdrhistogram.Decode([]byte(p.AckHDR))
			if err != nil {
				return nil, fmt.Errorf("failed to merge runs: series t=%d: ack_hdr: %w", p.T, err)
			}
			if acks[p.T] == nil {
				acks[p.T] = h
			} else if acks[p.T].Merge(h) > 0 {
				return nil, fmt.Errorf("failed to merge runs: series t=%d: ack_hdr values out of range", p.T)
			}
		}
	}
	out := make([]Point, 0, len(byT))
	var sofar *hdrhistogram.Histogram
	for _, t := range slices.Sorted(maps.Keys(byT)) {
		p := byT[t]
		if h := acks[t]; h != nil {
			enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
			if err != nil {
				return nil, fmt.Errorf("failed to merge runs: series t=%d: %w", t, err)
			}
			p.AckHDR = string(enc)
			if sofar == nil {
				sofar = h.Clone()
			} else {
				sofar.Merge(h)
			}
		}
		if sofar != nil && sofar.TotalCount() > 0 {
			p.AckP99 = float64(sofar.ValueAtPercentile(99)) / 1e3
		}
		out = append(out, *p)
	}
	return out, nil
}

func maxOf[T int64 | float64](a, b *T) *T {
	if a == nil || (b != nil && *b > *a) {
		return b
	}
	return a
}

func mergeErrors(runs []*Run) []ErrorSample {
	var out []ErrorSample
	index := map[string]int{}
	for _, r := range runs {
		for _, e := range r.Errors {
			i, ok := index[e.Kind]
			if !ok {
				i = len(out)
				index[e.Kind] = i
				out = append(out, ErrorSample{Kind: e.Kind})
			}
			out[i].Count += e.Count
			for _, m := range e.Messages {
				if len(out[i].Messages) < MaxErrorMessages && !slices.Contains(out[i].Messages, m) {
					out[i].Messages = append(out[i].Messages, m)
				}
			}
		}
	}
	return out
}

func mergeGenerator(merged *Run, runs []*Run) Generator {
	var g Generator
	for _, r := range runs {
		g.StartsDropped += r.Generator.StartsDropped
		g.StartsDelayed += r.Generator.StartsDelayed
		g.LagP99 = max(g.LagP99, r.Generator.LagP99)
		g.LagMax = max(g.LagMax, r.Generator.LagMax)
	}
	g.FillMemory(merged.Series)
	if h, unit, ok := merged.Aggregate(threshold.MetricLag, nil); ok && h.TotalCount() > 0 {
		_, div := summaryUnit(unit)
		g.LagP99 = float64(h.ValueAtPercentile(99)) / div
		g.LagMax = float64(h.Max()) / div
	}
	return g
}
