package metrics

import (
	"maps"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stampede-sio/stampede/internal/excerpt"
	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
)

// Config configures a Recorder. The zero value is ready to use.
type Config struct {
	// Shards is the number of histogram shards per timer, rounded up to a
	// power of two. Default: twice GOMAXPROCS, from 4 to 64 (with as many
	// shards as processors, random picks collide too often). Each shard
	// that receives values costs about 190 KB, and so do a timer's total,
	// interval and spare histograms.
	Shards int
	// Start is the origin of the series' time axis. Default: when New is
	// called.
	Start time.Time
}

// Recorder owns a run's metrics. All its methods are safe for concurrent
// use; see the package documentation for the hot path.
type Recorder struct {
	start  time.Time
	shards int

	mu          sync.Mutex // guards the maps and lists below
	timers      map[string]*Timer
	counters    map[string]*Counter
	gauges      map[string]*Gauge
	errors      map[string]*errorKind
	timerList   []*Timer
	counterList []*Counter
	gaugeList   []*Gauge
	errorOrder  []string

	snapMu    sync.Mutex              // serialises Snapshot, BeginPhase and Export
	ackSoFar  *hdrhistogram.Histogram // every ack up to the last Snapshot
	ackSecond *hdrhistogram.Histogram // the acks of one Snapshot's interval
	phase     *openPhase              // nil before the first BeginPhase
	phases    []reports.PhaseRecord   // the phases ended so far
}

type errorKind struct {
	counter  *Counter
	messages []string
}

// New returns an empty Recorder.
func New(cfg Config) *Recorder {
	shards := cfg.Shards
	if shards <= 0 {
		shards = min(max(2*runtime.GOMAXPROCS(0), 4), 64)
	}
	shards = 1 << bits.Len(uint(shards-1))
	start := cfg.Start
	if start.IsZero() {
		start = time.Now()
	}
	return &Recorder{
		start: start, shards: shards,
		timers: map[string]*Timer{}, counters: map[string]*Counter{},
		gauges: map[string]*Gauge{}, errors: map[string]*errorKind{},
	}
}

// SetStart moves the origin of the series' time axis (Config.Start) to t:
// for a run whose clock starts after its setup (simulator.Run mints tokens
// first). Call it before the first Snapshot.
func (r *Recorder) SetStart(t time.Time) {
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	r.start = t
}

// key names a metric and its tags, tags in key order.
func key(metric string, tags []string) (string, map[string]string) {
	if len(tags)%2 != 0 {
		panic("metrics: tags must be key, value pairs: " + metric + " " + strings.Join(tags, " "))
	}
	if len(tags) == 0 {
		return metric, nil
	}
	m := make(map[string]string, len(tags)/2)
	for i := 0; i < len(tags); i += 2 {
		m[tags[i]] = tags[i+1]
	}
	var b strings.Builder
	b.WriteString(metric)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b.WriteString("\x00" + k + "\x00" + m[k])
	}
	return b.String(), m
}

// Timer returns the timer of metric with tags given as key, value pairs
// (Timer(threshold.MetricAck, threshold.TagEvent, "chat")). Resolve it once
// and keep it: the lookup takes a lock and allocates.
func (r *Recorder) Timer(metric string, tags ...string) *Timer {
	k, m := key(metric, tags)
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.timers[k]
	if t == nil {
		t = newTimer(metric, m, r.shards)
		r.timers[k] = t
		r.timerList = append(r.timerList, t)
	}
	return t
}

// Counter returns the counter of metric with tags as key, value pairs.
func (r *Recorder) Counter(metric string, tags ...string) *Counter {
	k, m := key(metric, tags)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counterLocked(k, metric, m)
}

func (r *Recorder) counterLocked(k, metric string, tags map[string]string) *Counter {
	c := r.counters[k]
	if c == nil {
		c = &Counter{metric: metric, tags: tags}
		r.counters[k] = c
		r.counterList = append(r.counterList, c)
	}
	return c
}

// Gauge returns the gauge of metric with tags as key, value pairs.
func (r *Recorder) Gauge(metric string, tags ...string) *Gauge {
	k, m := key(metric, tags)
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.gauges[k]
	if g == nil {
		g = &Gauge{metric: metric, tags: m}
		r.gauges[k] = g
		r.gaugeList = append(r.gaugeList, g)
	}
	return g
}

// Error counts one failure of kind under threshold.MetricErrors and keeps
// its message if it is one of the first reports.MaxErrorMessages distinct
// ones of that kind. It takes a lock: errors are off the hot path.
func (r *Recorder) Error(kind string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.errors[kind]
	if e == nil {
		k, m := key(threshold.MetricErrors, []string{threshold.TagKind, kind})
		e = &errorKind{counter: r.counterLocked(k, threshold.MetricErrors, m)}
		r.errors[kind] = e
		r.errorOrder = append(r.errorOrder, kind)
	}
	e.counter.Inc()
	if err == nil || len(e.messages) >= reports.MaxErrorMessages {
		return
	}
	// Messages may quote what a server sent: escaped and cut short here,
	// whichever error carried them.
	if msg := excerpt.Message(err.Error()); !slices.Contains(e.messages, msg) {
		e.messages = append(e.messages, msg)
	}
}

// lists returns the handles created so far.
func (r *Recorder) lists() ([]*Timer, []*Counter, []*Gauge) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.timerList), slices.Clone(r.counterList), slices.Clone(r.gaugeList)
}
