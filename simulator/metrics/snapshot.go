package metrics

import (
	"math"
	"slices"
	"time"

	"github.com/stampede-sio/stampede/internal/hdr"
	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
)

// Snapshot is what happened since the previous Snapshot: a summary of each
// timer's interval histogram, each counter's total and increase, and each
// gauge's level. Tags maps are shared and must not be modified.
type Snapshot struct {
	Elapsed  time.Duration // since Config.Start
	Timers   []TimerStats
	Counters []CounterValue
	Gauges   []GaugeValue
	AckP99   time.Duration // over every ack (all events) since the start
	AckHDR   string        // the interval's acks, all events, HDR compressed (µs)
}

// TimerStats summarises one timer over one interval.
type TimerStats struct {
	Metric             string
	Tags               map[string]string
	Count              int64
	P50, P90, P99, Max time.Duration
}

// CounterValue is one counter at a Snapshot.
type CounterValue struct {
	Metric string
	Tags   map[string]string
	Value  int64 // since the start
	Delta  int64 // since the previous Snapshot
}

// GaugeValue is one gauge at a Snapshot.
type GaugeValue struct {
	Metric string
	Tags   map[string]string
	Value  int64
}

// Snapshot ends the current interval and summarises it. Call it once a
// second for the live progress line and the series: each value recorded
// lands in exactly one interval.
func (r *Recorder) Snapshot() Snapshot {
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	timers, counters, gauges := r.lists()
	s := Snapshot{Elapsed: time.Since(r.start)}
	if r.ackSecond == nil {
		r.ackSecond, r.ackSoFar = newHistogram(), newHistogram()
	}
	r.ackSecond.Reset()
	for _, t := range timers {
		t.drain()
		if t.metric == threshold.MetricAck && t.interval != nil {
			r.ackSecond.Merge(t.interval)
		}
		s.Timers = append(s.Timers, t.cut())
	}
	if r.ackSecond.TotalCount() > 0 {
		r.ackSoFar.Merge(r.ackSecond)
		// Encoding writes to memory only: it cannot fail.
		enc, _ := hdr.Encode(r.ackSecond)
		s.AckHDR = string(enc)
	}
	s.AckP99 = micros(r.ackSoFar.ValueAtPercentile(99))
	for _, c := range counters {
		v := c.Value()
		s.Counters = append(s.Counters, CounterValue{Metric: c.metric, Tags: c.tags, Value: v, Delta: v - c.prev})
		c.prev = v
	}
	for _, g := range gauges {
		s.Gauges = append(s.Gauges, GaugeValue{Metric: g.metric, Tags: g.tags, Value: g.Value()})
	}
	return s
}

// Point is the Snapshot as one second of the run's series; the caller adds
// the servers' figures. T is Elapsed in whole seconds, rounded.
func (s Snapshot) Point() reports.Point {
	p := reports.Point{
		T:      int64(math.Round(s.Elapsed.Seconds())),
		AckP99: ms(s.AckP99),
		AckHDR: s.AckHDR,
	}
	for _, t := range s.Timers {
		if t.Metric == threshold.MetricSIOConnect {
			p.Connects += t.Count
		}
		if t.Count > 0 {
			p.Latency = append(p.Latency, reports.LatencyPoint{
				Metric: t.Metric, Tags: t.Tags, Count: t.Count,
				P50: ms(t.P50), P90: ms(t.P90), P99: ms(t.P99), Max: ms(t.Max),
			})
		}
	}
	reports.SortLatency(p.Latency)
	for _, c := range s.Counters {
		switch c.Metric {
		case threshold.MetricMessagesReceived:
			p.MessagesIn += c.Delta
		case threshold.MetricMessagesSent:
			p.MessagesOut += c.Delta
			if ev, ok := c.Tags[threshold.TagEvent]; ok && c.Delta > 0 {
				reports.AddCounts(&p.MessagesOutByEvent, map[string]int64{ev: c.Delta})
			}
		case threshold.MetricErrors:
			p.Errors += c.Delta
			if c.Delta > 0 {
				reports.AddCounts(&p.ErrorsByKind, map[string]int64{c.Tags[threshold.TagKind]: c.Delta})
			}
		}
	}
	for _, g := range s.Gauges {
		switch g.Metric {
		case threshold.MetricClients:
			p.Clients += g.Value
		case threshold.MetricConnecting:
			p.Connecting += g.Value
		}
	}
	return p
}

// Export fills the run's Histograms (every timer that recorded a value,
// over the whole run), Phases (see BeginPhase; the last one up to now),
// Counters, Generator (from the lag timer and the
// starts counters) and Errors. It includes values recorded since the last
// Snapshot without ending the interval.
func (r *Recorder) Export(run *reports.Run) error {
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	timers, counters, _ := r.lists()
	run.Histograms, run.Counters = nil, nil
	lag := newHistogram()
	for _, t := range timers {
		t.drain()
		h := t.whole()
		if h.TotalCount() == 0 {
			continue
		}
		if t.metric == threshold.MetricLag {
			lag.Merge(h)
		}
		rec, err := reports.NewHistogramRecord(t.metric, t.tags, h, reports.UnitMicroseconds)
		if err != nil {
			return err
		}
		run.Histograms = append(run.Histograms, rec)
	}
	for _, c := range counters {
		run.Counters = append(run.Counters, reports.CounterRecord{Metric: c.metric, Tags: c.tags, Value: c.Value()})
	}
	run.SortRecords()
	run.Generator = reports.Generator{
		StartsDropped: sum(run.Counters, threshold.MetricStartsDropped),
		StartsDelayed: sum(run.Counters, threshold.MetricStartsDelayed),
	}
	if lag.TotalCount() > 0 {
		run.Generator.LagP99 = float64(lag.ValueAtPercentile(99)) / 1e3
		run.Generator.LagMax = float64(lag.Max()) / 1e3
	}
	run.Errors = r.errorSamples()
	var err error
	run.Phases, err = r.phaseRecords(time.Now())
	return err
}

func (r *Recorder) errorSamples() []reports.ErrorSample {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []reports.ErrorSample
	for _, kind := range r.errorOrder {
		e := r.errors[kind]
		out = append(out, reports.ErrorSample{Kind: kind, Count: e.counter.Value(), Messages: slices.Clone(e.messages)})
	}
	return out
}

func sum(cs []reports.CounterRecord, metric string) int64 {
	var n int64
	for _, c := range cs {
		if c.Metric == metric {
			n += c.Value
		}
	}
	return n
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
