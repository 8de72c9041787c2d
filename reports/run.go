package reports

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stampede-sio/stampede/internal/threshold"
)

// RunSchema is the version of the Run JSON; it grows only by new fields
// (with omitempty, so that records written before them still load: phases,
// series[].errors_by_kind, series[].messages_out_by_event,
// series[].latency, command). Schema 2 added server (the settings of a
// managed server); records of schema 1 still load, and keep their number.
const RunSchema = 2

// oldestRunSchema is the oldest schema ReadRun and MergeRuns accept.
const oldestRunSchema = 1

// ErrRunSchema is returned by ReadRun for a record of another schema.
var ErrRunSchema = errors.New("reports: unsupported run schema")

// MaxErrorMessages is how many distinct messages an ErrorSample keeps.
const MaxErrorMessages = 10

// The units of histogram records. Timers record integer microseconds in
// their HDR histograms and report their summaries in milliseconds.
const (
	UnitMicroseconds = "us"
	UnitMilliseconds = "ms"
)

// Run is the record of one load run (stampede run), or of several segments
// of one merged by MergeRuns.
type Run struct {
	Schema   int    `json:"schema"`
	Scenario string `json:"scenario"`
	// Command is the command line that wrote the record, when known.
	Command []string `json:"command,omitempty"`
	// Config is the scenario as the run used it (after --vus, --duration
	// and --set), as the writer chose to keep it: a JSON string holding the
	// YAML text, or an object.
	Config      json.RawMessage   `json:"config,omitempty"`
	Targets     []string          `json:"targets"`
	Segments    []Segment         `json:"segments,omitempty"` // none for a whole run
	Environment Environment       `json:"environment"`
	Interrupted bool              `json:"interrupted,omitempty"` // stopped by a signal: partial results
	Series      []Point           `json:"series"`
	Histograms  []HistogramRecord `json:"histograms"`
	// Phases are the latencies phase by phase (absent in records written
	// before they were added, which still load).
	Phases     []PhaseRecord     `json:"phases,omitempty"`
	Counters   []CounterRecord   `json:"counters"`
	Generator  Generator         `json:"generator"`
	Thresholds []ThresholdResult `json:"thresholds,omitempty"`
	Errors     []ErrorSample     `json:"errors,omitempty"`
	// TargetsDown are the targets that died mid-run: reachable at first,
	// then refusing or resetting connections until the run ended.
	TargetsDown []TargetDown `json:"targets_down,omitempty"`
	// Partial marks a merge of an incomplete set of segments (stampede
	// report merge --allow-partial): Missing lists the segments it lacks,
	// whose clients' load and figures are absent from every total.
	Partial bool      `json:"partial,omitempty"`
	Missing []Segment `json:"missing_segments,omitempty"`
	// Server is the server the run had when stampede started it (run
	// --serve, sweep, capacity, demo): absent for a run against a target
	// someone else runs, and in records of schema 1.
	Server *Server `json:"server,omitempty"`
}

// Server is a managed refserver's settings for one run: each run of a
// sweep or capacity search has a fresh one.
type Server struct {
	// Settings are the scenario's server.* keys as given (ping_interval:
	// 1s), after --set and --vary.
	Settings map[string]string `json:"settings,omitempty"`
	// Args are every serve flag the server ran with, --serve-arg's
	// included.
	Args []string `json:"args"`
	// Processes is how many refserver processes served the run.
	Processes int `json:"processes"`
	// Watched is how many of them answered the /metrics polls the server
	// figures (CPU, RSS and bytes per client, the vanished clients' times)
	// come from, when Processes is more than one: 1, whose costs are per
	// client of that process's own sessions (serve --processes has no
	// aggregate /metrics); 0 (absent) with one process.
	Watched int `json:"watched_processes,omitempty"`
}

// TargetDown is a target that stopped answering during the run.
type TargetDown struct {
	Target      string  `json:"target"`
	At          float64 `json:"at_s"`        // seconds from the run's start to the first refused dial
	Connections int64   `json:"connections"` // connections it had accepted before
	Error       string  `json:"error"`       // the first refused dial's error
}

// Segment is one part of a run split with --segment i/n, as given.
type Segment struct {
	I int `json:"i"`
	N int `json:"n"`
}

func (s Segment) String() string { return fmt.Sprintf("%d/%d", s.I, s.N) }

// Environment says where and when the run ran.
type Environment struct {
	Host      string    `json:"host"`
	GOOS      string    `json:"goos"`
	GOARCH    string    `json:"goarch"`
	CPUs      int       `json:"cpus"`
	GoVersion string    `json:"go_version"`
	Version   string    `json:"stampede_version"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
}

// HostEnvironment describes this process's machine; the caller sets Start
// and End.
func HostEnvironment(version string) Environment {
	host, _ := os.Hostname()
	return Environment{
		Host: host, GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(),
		GoVersion: runtime.Version(), Version: version,
	}
}

// Point is one second of the run's time series. Counts are for that second;
// Clients and Connecting are levels at its end.
type Point struct {
	T           int64   `json:"t"` // seconds since the start
	Clients     int64   `json:"clients"`
	Connecting  int64   `json:"connecting"`
	Connects    int64   `json:"connects"` // Socket.IO connections established
	MessagesIn  int64   `json:"messages_in"`
	MessagesOut int64   `json:"messages_out"`
	Errors      int64   `json:"errors"`
	AckP99      float64 `json:"ack_p99_ms"` // over all events, from the start up to this second
	// AckHDR holds this second's ack round trips (all events, microseconds,
	// HDR compressed) so that MergeRuns can recompute AckP99 exactly.
	AckHDR string `json:"ack_hdr,omitempty"`
	// The servers' own figures when /metrics was scraped this second,
	// summed over the targets.
	ServerCPU        *float64 `json:"server_cpu_cores,omitempty"`
	ServerRSS        *int64   `json:"server_rss_bytes,omitempty"`
	ServerGoroutines *int64   `json:"server_goroutines,omitempty"`
	// GeneratorRSS is the simulator's own resident memory this second (its
	// processes summed, when segments merge).
	GeneratorRSS *int64 `json:"generator_rss_bytes,omitempty"`
	// ErrorsByKind splits Errors by kind (absent in records written before
	// it was added, and in seconds without errors).
	ErrorsByKind map[string]int64 `json:"errors_by_kind,omitempty"`
	// MessagesOutByEvent splits MessagesOut by event (absent before it was
	// added).
	MessagesOutByEvent map[string]int64 `json:"messages_out_by_event,omitempty"`
	// Latency summarises this second's values of every timer that recorded
	// any (ack and push per event, the connect phases, the generator's own
	// lag), in MetricLatency order.
	Latency []LatencyPoint `json:"latency,omitempty"`
}

// LatencyPoint is one timer's values in one second of the series, in
// milliseconds. Segments merged by MergeRuns keep, per percentile, the
// highest of their segments' values: an upper bound, not the exact
// percentile of the union (the per-second histograms are not kept).
type LatencyPoint struct {
	Metric string            `json:"metric"`
	Tags   map[string]string `json:"tags,omitempty"`
	Count  int64             `json:"count"`
	P50    float64           `json:"p50_ms"`
	P90    float64           `json:"p90_ms"`
	P99    float64           `json:"p99_ms"`
	Max    float64           `json:"max_ms"`
}

// MergeLatency merges q's latencies into ps, the same second's: counts add
// up and each percentile keeps the higher value (LatencyPoint). The
// result is sorted as reporters show metrics.
func MergeLatency(ps, qs []LatencyPoint) []LatencyPoint {
	for _, q := range qs {
		i := slices.IndexFunc(ps, func(p LatencyPoint) bool { return p.Metric == q.Metric && maps.Equal(p.Tags, q.Tags) })
		if i < 0 {
			ps = append(ps, q)
			continue
		}
		p := &ps[i]
		p.Count += q.Count
		p.P50, p.P90, p.P99, p.Max = max(p.P50, q.P50), max(p.P90, q.P90), max(p.P99, q.P99), max(p.Max, q.Max)
	}
	SortLatency(ps)
	return ps
}

// SortLatency orders a second's latencies as reporters show metrics.
func SortLatency(ps []LatencyPoint) {
	slices.SortStableFunc(ps, func(a, b LatencyPoint) int { return compareSeries(a.Metric, a.Tags, b.Metric, b.Tags) })
}

// AddCounts adds the counts of src into *dst, making the map when needed:
// for ErrorsByKind and MessagesOutByEvent.
func AddCounts(dst *map[string]int64, src map[string]int64) {
	for k, n := range src {
		if *dst == nil {
			*dst = map[string]int64{}
		}
		(*dst)[k] += n
	}
}

// HistogramRecord is one timer's distribution for one tag set: summaries in
// Unit for people, and the whole histogram in HDR's V2 compressed encoding
// (base64, values in HDRUnit) for programs.
type HistogramRecord struct {
	Metric  string            `json:"metric"`
	Tags    map[string]string `json:"tags,omitempty"`
	Unit    string            `json:"unit"`
	Count   int64             `json:"count"`
	Min     float64           `json:"min"`
	Max     float64           `json:"max"`
	Mean    float64           `json:"mean"`
	P50     float64           `json:"p50"`
	P90     float64           `json:"p90"`
	P95     float64           `json:"p95"`
	P99     float64           `json:"p99"`
	P999    float64           `json:"p999"`
	HDRUnit string            `json:"hdr_unit"`
	HDR     string            `json:"hdr"`
}

// CounterRecord is one counter's total for one tag set.
type CounterRecord struct {
	Metric string            `json:"metric"`
	Tags   map[string]string `json:"tags,omitempty"`
	Value  int64             `json:"value"`
}

// Generator is the simulator's report on itself: how late it started what
// it meant to start, and what it gave up on. Latencies are measured from the
// intended time, so lateness shows up in them rather than hiding.
type Generator struct {
	LagP99        float64 `json:"lag_p99_ms"`
	LagMax        float64 `json:"lag_max_ms"`
	StartsDropped int64   `json:"starts_dropped"`
	StartsDelayed int64   `json:"starts_delayed"`
	// RSSMax is the most resident memory the simulator held, and
	// RSSPerClientKiB its memory per connected client at the second with the
	// most clients (from the series' generator_rss_bytes).
	RSSMax          int64   `json:"rss_max_bytes,omitempty"`
	RSSPerClientKiB float64 `json:"rss_per_client_kib,omitempty"`
}

// FillMemory sets the generator's memory figures from the series.
func (g *Generator) FillMemory(series []Point) {
	g.RSSMax, g.RSSPerClientKiB = 0, 0
	var peak Point
	for _, p := range series {
		if p.GeneratorRSS == nil {
			continue
		}
		g.RSSMax = max(g.RSSMax, *p.GeneratorRSS)
		if p.Clients >= peak.Clients {
			peak = p
		}
	}
	if peak.GeneratorRSS != nil && peak.Clients > 0 {
		g.RSSPerClientKiB = float64(*peak.GeneratorRSS) / 1024 / float64(peak.Clients)
	}
}

// OverloadLagP99 is the generator's lag p99, in milliseconds, above which
// it counts as overloaded (Generator.Overloaded; the live progress line
// applies it to each second).
const OverloadLagP99 = 10.0

// Overloaded reports whether the generator was saturated: its own lag p99
// (timers that woke late) over OverloadLagP99. Dropped starts alone do not
// say so: clients of a dead or slow server drop theirs while they reconnect.
func (g Generator) Overloaded() bool { return g.LagP99 > OverloadLagP99 }

// ErrorSample counts one kind of error and keeps its first distinct messages.
type ErrorSample struct {
	Kind     string   `json:"kind"`
	Count    int64    `json:"count"`
	Messages []string `json:"messages,omitempty"`
}

// NewHistogramRecord summarises and encodes h, whose values are in hdrUnit.
func NewHistogramRecord(metric string, tags map[string]string, h *hdrhistogram.Histogram, hdrUnit string) (HistogramRecord, error) {
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return HistogramRecord{}, fmt.Errorf("failed to encode histogram %s: %w", metric, err)
	}
	unit, div := summaryUnit(hdrUnit)
	rec := HistogramRecord{
		Metric: metric, Tags: tags, Unit: unit, HDRUnit: hdrUnit, HDR: string(enc),
		Count: h.TotalCount(), Mean: math.Round(h.Mean()) / div,
	}
	if rec.Count > 0 {
		rec.Min = float64(h.Min()) / div
	}
	q := h.ValueAtPercentilesSlice([]float64{50, 90, 95, 99, 99.9, 100}) // one scan; 100 is Max
	for i, dst := range []*float64{&rec.P50, &rec.P90, &rec.P95, &rec.P99, &rec.P999, &rec.Max} {
		*dst = float64(q[i]) / div
	}
	if len(rec.Tags) == 0 {
		rec.Tags = nil
	}
	return rec, nil
}

// summaryUnit is the unit summaries of hdrUnit values are reported in, and
// the divisor that converts to it.
func summaryUnit(hdrUnit string) (string, float64) {
	switch hdrUnit {
	case UnitMicroseconds:
		return UnitMilliseconds, 1e3
	case "ns":
		return UnitMilliseconds, 1e6
	}
	return hdrUnit, 1
}

// Decode returns the record's histogram.
func (h HistogramRecord) Decode() (*hdrhistogram.Histogram, error) {
	d, err := hdrhistogram.Decode([]byte(h.HDR))
	if err != nil {
		return nil, fmt.Errorf("failed to decode histogram %s%s: %w", h.Metric, tagLabel(h.Tags), err)
	}
	return d, nil
}

// ReadRun reads a Run JSON record, checking its schema and that every
// histogram decodes.
func ReadRun(r io.Reader) (*Run, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("failed to read run: %w", err)
	}
	var probe struct {
		Schema *int `json:"schema"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("failed to read run: %w", err)
	}
	switch {
	case probe.Schema == nil:
		return nil, fmt.Errorf("%w: no schema field (not a stampede run record?)", ErrRunSchema)
	case *probe.Schema < oldestRunSchema || *probe.Schema > RunSchema:
		return nil, fmt.Errorf("%w: the record has schema %d, this stampede reads %d to %d", ErrRunSchema, *probe.Schema, oldestRunSchema, RunSchema)
	}
	var run Run
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&run); err != nil {
		return nil, fmt.Errorf("failed to read run: %w", err)
	}
	for _, h := range run.Histograms {
		if _, err := h.Decode(); err != nil {
			return nil, fmt.Errorf("failed to read run: %w", err)
		}
	}
	return &run, nil
}

// ReadRunFile reads the Run JSON record in the file at path (ReadRun).
func ReadRunFile(path string) (*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadRun(f)
}

// WriteRunJSON writes the record as indented JSON (without HTML escaping,
// so that thresholds read as written).
func WriteRunJSON(w io.Writer, r *Run) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// Seconds is the run's wall-clock length.
func (r *Run) Seconds() float64 {
	return r.Environment.End.Sub(r.Environment.Start).Seconds()
}

// SortRecords puts histograms and counters in the order reporters show
// them: metrics as threshold.Metrics lists them, then by tags.
func (r *Run) SortRecords() {
	SortHistograms(r.Histograms)
	slices.SortStableFunc(r.Counters, func(a, b CounterRecord) int { return compareSeries(a.Metric, a.Tags, b.Metric, b.Tags) })
}

// Histogram returns the histogram of metric with exactly these tags.
func (r *Run) Histogram(metric string, tags map[string]string) (*hdrhistogram.Histogram, bool) {
	for _, rec := range r.Histograms {
		if rec.Metric == metric && maps.Equal(rec.Tags, tags) {
			h, err := rec.Decode()
			return h, err == nil
		}
	}
	return nil, false
}

// Aggregate merges the histograms of metric whose tags include every pair
// of filter (nil or empty: all of them, e.g. ack over every event), and
// returns the result with the unit of its values. It reports false when
// nothing matches or the matches disagree on the unit.
func (r *Run) Aggregate(metric string, filter map[string]string) (*hdrhistogram.Histogram, string, bool) {
	var sum *hdrhistogram.Histogram
	var unit string
	for _, rec := range r.Histograms {
		if rec.Metric != metric || !tagsMatch(rec.Tags, filter) {
			continue
		}
		h, err := rec.Decode()
		if err != nil || (sum != nil && rec.HDRUnit != unit) {
			return nil, "", false
		}
		if sum == nil {
			sum, unit = h, rec.HDRUnit
			continue
		}
		if sum.Merge(h) > 0 {
			return nil, "", false
		}
	}
	return sum, unit, sum != nil
}

// Counter sums the counters of metric whose tags include every pair of
// filter. An absent counter counts zero.
func (r *Run) Counter(metric string, filter map[string]string) int64 {
	var n int64
	for _, c := range r.Counters {
		if c.Metric == metric && tagsMatch(c.Tags, filter) {
			n += c.Value
		}
	}
	return n
}

// ErrorRate is errors / (messages_sent + connections): the failures
// counted under errors (every kind, or the kinds filter selects) over the
// operations attempted, every event sent and every connection attempt.
// Failures that are neither a send nor an attempt (a failed GET
// /api/config, a lost connection) still count above the line, so the rate
// is failures per operation and can exceed 1. With no operation attempted
// the rate is undefined and ok is false.
func (r *Run) ErrorRate(filter map[string]string) (rate float64, ok bool) {
	ops := r.Counter(threshold.MetricMessagesSent, nil) + r.Counter(threshold.MetricConnections, nil)
	if ops == 0 {
		return 0, false
	}
	return float64(r.Counter(threshold.MetricErrors, filter)) / float64(ops), true
}

func tagsMatch(tags, filter map[string]string) bool {
	for k, v := range filter {
		if tags[k] != v {
			return false
		}
	}
	return true
}

// tagLabel renders tags as {k:v,…} in key order, as thresholds write them.
func tagLabel(tags map[string]string) string {
	if len(tags) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(tags)) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + ":" + tags[k])
	}
	b.WriteByte('}')
	return b.String()
}

// tagKey identifies a tag set in a map key, whatever its values contain.
func tagKey(tags map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		b.WriteString("\x00" + k + "\x00" + tags[k])
	}
	return b.String()
}

// compareSeries orders records as threshold.Metrics lists their metrics, then by tags.
func compareSeries(am string, at map[string]string, bm string, bt map[string]string) int {
	return cmp.Or(
		cmp.Compare(metricRank(am), metricRank(bm)),
		strings.Compare(am, bm),
		strings.Compare(tagKey(at), tagKey(bt)),
	)
}
