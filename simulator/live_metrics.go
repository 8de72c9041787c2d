package simulator

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stampede-sio/stampede/internal/threshold"
)

// LiveMetrics serves a run's progress in the Prometheus text format (run
// --metrics-addr), as series named stampede_run_*. Observe takes each
// second's Progress; a scrape reads the latest one, so a scrape costs the
// run nothing beyond the copy Observe keeps.
type LiveMetrics struct {
	mu   sync.Mutex
	last Progress
	seen bool

	reg *prometheus.Registry
}

// quantiles are the quantile label values of the latency families, with
// 1 for the interval's maximum.
var quantiles = []string{"0.5", "0.9", "0.99", "1"}

// NewLiveMetrics returns an exporter with nothing observed yet: until the
// first second of the run it serves only the simulator's own go_* and
// process_* families.
func NewLiveMetrics() *LiveMetrics {
	m := &LiveMetrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
		liveCollector{m},
	)
	return m
}

// Observe keeps p as the run's latest progress; it is a ProgressFunc.
func (m *LiveMetrics) Observe(p Progress) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last, m.seen = p, true
}

// Handler serves the metrics, in OpenMetrics when the scraper asks for it.
func (m *LiveMetrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// latest returns the progress last observed; ok is false before the first.
func (m *LiveMetrics) latest() (Progress, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last, m.seen
}

// TeeProgress calls each non-nil fn in turn; nil when all are nil.
func TeeProgress(fns ...ProgressFunc) ProgressFunc {
	fns = slices.DeleteFunc(slices.Clone(fns), func(f ProgressFunc) bool { return f == nil })
	if len(fns) == 0 {
		return nil
	}
	return func(p Progress) {
		for _, f := range fns {
			f(p)
		}
	}
}

// The stampede_run_* families.
var (
	descElapsed     = runDesc("elapsed_seconds", "Time since the run started, at the last progress.")
	descClients     = runDesc("clients", "Virtual clients connected now.")
	descConnects    = runDesc("connects_total", "Socket.IO connections established since the start.")
	descSent        = runDesc("messages_sent_total", "Events the clients sent since the start.")
	descReceived    = runDesc("messages_received_total", "Events the clients received since the start.")
	descErrors      = runDesc("errors_total", "Errors the clients counted since the start, by kind.", "kind")
	descDropped     = runDesc("starts_dropped_total", "Client starts and actions the generator gave up on since the start.")
	descAckP99      = runDesc("ack_p99_seconds", "99th percentile of every ack round trip since the start.")
	descLatency     = runDesc("latency_seconds", "Quantiles of each timer over the last second, per tag set (quantile 1 is the maximum).", "metric", "tags", "quantile")
	descLatencyN    = runDesc("latency_samples", "Samples of each timer in the last second, per tag set.", "metric", "tags")
	descLag         = runDesc("generator_lag_seconds", "How late the generator started what it meant to start, over the last second (quantile 1 is the maximum).", "quantile")
	liveDescriptors = []*prometheus.Desc{descElapsed, descClients, descConnects, descSent, descReceived,
		descErrors, descDropped, descAckP99, descLatency, descLatencyN, descLag}
)

func runDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("stampede_run_"+name, help, labels, nil)
}

// liveCollector renders the latest Progress at scrape time.
type liveCollector struct{ m *LiveMetrics }

func (c liveCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range liveDescriptors {
		ch <- d
	}
}

func (c liveCollector) Collect(ch chan<- prometheus.Metric) {
	p, ok := c.m.latest()
	if !ok {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(descElapsed, p.Elapsed.Seconds())
	gauge(descClients, float64(p.Clients))
	counter(descConnects, p.ConnectsTotal)
	counter(descSent, p.MessagesOutTotal)
	counter(descReceived, p.MessagesInTotal)
	counter(descDropped, p.StartsDropped)
	gauge(descAckP99, p.AckP99.Seconds())
	for _, kind := range slices.Sorted(maps.Keys(p.ErrorsByKind)) {
		counter(descErrors, p.ErrorsByKind[kind], kind)
	}
	if len(p.ErrorsByKind) == 0 {
		counter(descErrors, p.Errors, "") // the total, when no kind was reported
	}
	var lag [4]float64 // the largest over the lag timer's tag sets
	for _, l := range p.Latency {
		tags := formatTags(l.Tags)
		gauge(descLatencyN, float64(l.Count), l.Metric, tags)
		for i, q := range [4]float64{l.P50.Seconds(), l.P90.Seconds(), l.P99.Seconds(), l.Max.Seconds()} {
			gauge(descLatency, q, l.Metric, tags, quantiles[i])
			if l.Metric == threshold.MetricLag {
				lag[i] = max(lag[i], q)
			}
		}
	}
	for i, q := range lag {
		gauge(descLag, q, quantiles[i])
	}
}

// formatTags renders a tag set as one label value, k=v pairs sorted by key
// and joined by commas ("" for none).
func formatTags(tags map[string]string) string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(tags)) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + tags[k])
	}
	return b.String()
}
