package reports

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newHist has the simulator's geometry: 1 µs … 1 h, 3 digits, in µs.
func newHist(values ...int64) *hdrhistogram.Histogram {
	h := hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
	for _, v := range values {
		if err := h.RecordValue(v); err != nil {
			panic(err)
		}
	}
	return h
}

func mustRecord(t *testing.T, metric string, tags map[string]string, h *hdrhistogram.Histogram) HistogramRecord {
	t.Helper()
	rec, err := NewHistogramRecord(metric, tags, h, UnitMicroseconds)
	require.NoError(t, err)
	return rec
}

// spread returns n values from lo to hi µs, evenly.
func spread(n int, lo, hi int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = lo + (hi-lo)*int64(i)/int64(max(n-1, 1))
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func sampleRun(t *testing.T) *Run {
	t.Helper()
	start := time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC)
	ev := func(e string) map[string]string { return map[string]string{threshold.TagEvent: e} }
	r := &Run{
		Schema: RunSchema, Scenario: "chat-stream",
		Command:  []string{"stampede", "run", "chat-stream", "--segment", "1/2", "--out", "part-1.json"},
		Config:   json.RawMessage(`"name: chat-stream\nphases: []\n"`),
		Targets:  []string{"http://127.0.0.1:8080"},
		Segments: []Segment{{I: 1, N: 2}},
		Server: &Server{Settings: map[string]string{"ping_interval": "1s"},
			Args: []string{"--ping-interval=1s", "--addr=127.0.0.1:0"}, Processes: 1},
		Environment: Environment{Host: "lab", GOOS: "linux", GOARCH: "amd64", CPUs: 2,
			GoVersion: "go1.26.8", Version: "v0.1.0", Start: start, End: start.Add(10 * time.Second)},
		Histograms: []HistogramRecord{
			mustRecord(t, threshold.MetricConnectTCP, nil, newHist(spread(100, 200, 2_000)...)),
			mustRecord(t, threshold.MetricAck, ev("user-join"), newHist(spread(100, 1_000, 50_000)...)),
			mustRecord(t, threshold.MetricAck, ev("chat"), newHist(spread(200, 500, 5_000)...)),
			mustRecord(t, threshold.MetricLag, nil, newHist(spread(50, 10, 15_000)...)),
		},
		Phases: []PhaseRecord{
			{Name: "ramp", Start: 0, End: 4, Histograms: []HistogramRecord{
				mustRecord(t, threshold.MetricAck, ev("user-join"), newHist(spread(100, 1_000, 50_000)...)),
			}},
			{Name: "hold", Start: 4, End: 10, Histograms: []HistogramRecord{
				mustRecord(t, threshold.MetricAck, ev("chat"), newHist(spread(150, 500, 3_000)...)),
			}},
			{Name: TeardownPhase, Start: 10, End: 12, Histograms: []HistogramRecord{
				mustRecord(t, threshold.MetricAck, ev("chat"), newHist(spread(50, 3_000, 5_000)...)),
			}},
		},
		Counters: []CounterRecord{
			{Metric: threshold.MetricConnections, Value: 100},
			{Metric: threshold.MetricMessagesSent, Tags: ev("chat"), Value: 900},
			{Metric: threshold.MetricErrors, Tags: map[string]string{threshold.TagKind: "dial"}, Value: 2},
			{Metric: threshold.MetricErrors, Tags: map[string]string{threshold.TagKind: "ack_timeout"}, Value: 1},
			{Metric: threshold.MetricStartsDropped, Value: 0},
		},
		Generator: Generator{LagP99: 15, LagMax: 15.01, StartsDelayed: 4},
		Series: []Point{
			{T: 0, Clients: 50, Connecting: 50, Connects: 50, MessagesOut: 50, AckP99: 40.1},
			{T: 1, Clients: 100, Connects: 50, MessagesIn: 400, MessagesOut: 420, Errors: 2, AckP99: 45.3,
				ServerCPU: ptr(0.5), ServerRSS: ptr(int64(64 << 20)), ServerGoroutines: ptr(int64(210)),
				ErrorsByKind: map[string]int64{"dial": 2}, MessagesOutByEvent: map[string]int64{"chat": 400, "user-join": 20},
				Latency: []LatencyPoint{
					{Metric: threshold.MetricConnectTCP, Count: 50, P50: 0.8, P90: 1.6, P99: 2, Max: 2},
					{Metric: threshold.MetricAck, Tags: ev("chat"), Count: 200, P50: 2.7, P90: 4.5, P99: 4.9, Max: 5},
					{Metric: threshold.MetricLag, Count: 25, P50: 3, P90: 12, P99: 15, Max: 15.01},
				}},
			{T: 2, Clients: 99, MessagesIn: 480, MessagesOut: 480, Errors: 1, AckP99: 49.2,
				ServerCPU: ptr(0.7), ServerRSS: ptr(int64(70 << 20)), ServerGoroutines: ptr(int64(208)),
				ErrorsByKind: map[string]int64{"ack_timeout": 1}, MessagesOutByEvent: map[string]int64{"chat": 480},
				Latency: []LatencyPoint{
					{Metric: threshold.MetricAck, Tags: ev("chat"), Count: 150, P50: 1.7, P90: 2.5, P99: 3, Max: 3},
					{Metric: threshold.MetricAck, Tags: ev("user-join"), Count: 100, P50: 25, P90: 45, P99: 50, Max: 50},
				}},
		},
		Errors: []ErrorSample{
			{Kind: "dial", Count: 2, Messages: []string{"dial tcp 127.0.0.1:8080: connect: connection refused"}},
			{Kind: "ack_timeout", Count: 1, Messages: []string{"user-join: no ack within 10s"}},
		},
	}
	r.Thresholds, _ = Evaluate(r, []string{"ack_p99{event:user-join} < 100ms", "error_rate < 0.1%", "lag_p99 < 1ms"})
	return r
}

func TestWriteRunText(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, WriteRunText(&b, sampleRun(t)))
	golden(t, "run.txt", b.Bytes())
	assert.Contains(t, b.String(), "the generator was overloaded; latencies include its own delay")
}

// Dropped starts lead the summary, before the header: the figures that
// follow describe a smaller load than the scenario asked for.
func TestWriteRunTextLeadsWithDroppedStarts(t *testing.T) {
	t.Parallel()
	run := sampleRun(t)
	var b bytes.Buffer
	require.NoError(t, WriteRunText(&b, run))
	assert.NotContains(t, b.String(), "DROPPED", "nothing dropped: nothing said")

	run.Counters = append(run.Counters, CounterRecord{Metric: threshold.MetricStarts, Value: 43_846})
	for i := range run.Counters {
		if run.Counters[i].Metric == threshold.MetricStartsDropped {
			run.Counters[i].Value = 6_154
		}
	}
	b.Reset()
	require.NoError(t, WriteRunText(&b, run))
	first, _, _ := strings.Cut(b.String(), "\n")
	assert.Equal(t, "DROPPED STARTS: 6154 of 50000 intended starts (12.3%) were never made: the generator fell behind, and the load was smaller than the scenario asked for", first)
}

func TestWriteRunJSON(t *testing.T) {
	t.Parallel()
	run := sampleRun(t)
	var b bytes.Buffer
	require.NoError(t, WriteRunJSON(&b, run))
	golden(t, "run.json", b.Bytes())

	back, err := ReadRun(&b)
	require.NoError(t, err)
	assert.Equal(t, run, back, "a record reads back as written")
	h, ok := back.Histogram(threshold.MetricAck, map[string]string{threshold.TagEvent: "chat"})
	require.True(t, ok)
	assert.True(t, h.Equals(newHist(spread(200, 500, 5_000)...)), "the HDR encoding keeps every count")
}

// A record of schema 1 (before server) still loads, as written.
func TestReadRunSchema1(t *testing.T) {
	t.Parallel()
	run, err := ReadRunFile("testdata/run-schema1.json")
	require.NoError(t, err)
	assert.Equal(t, 1, run.Schema)
	assert.Nil(t, run.Server)
	assert.Equal(t, "chat-stream", run.Scenario)
	merged, err := MergeRuns(run)
	require.NoError(t, err)
	assert.Equal(t, RunSchema, merged.Schema)
}

func TestReadRunErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, doc, want string }{
		{"newer schema", `{"schema": 3}`, "reports: unsupported run schema: the record has schema 3, this stampede reads 1 to 2"},
		{"no schema", `{"scenario": "x"}`, "reports: unsupported run schema: no schema field (not a stampede run record?)"},
		{"not json", `schema: 1`, "failed to read run: invalid character 's' looking for beginning of value"},
		{"bad histogram", `{"schema": 1, "histograms": [{"metric": "ack", "tags": {"event": "x"}, "hdr": "AAAA"}]}`,
			"failed to read run: failed to decode histogram ack{event:x}: encoded histogram too short: got 3 bytes, need at least 8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadRun(strings.NewReader(tc.doc))
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
	_, err := ReadRun(strings.NewReader(`{"schema": 7}`))
	assert.ErrorIs(t, err, ErrRunSchema)
}

func TestAggregate(t *testing.T) {
	t.Parallel()
	run := sampleRun(t)
	all, unit, ok := run.Aggregate(threshold.MetricAck, nil)
	require.True(t, ok)
	assert.Equal(t, UnitMicroseconds, unit)
	assert.Equal(t, int64(300), all.TotalCount(), "every event's acks")
	one, _, ok := run.Aggregate(threshold.MetricAck, map[string]string{threshold.TagEvent: "chat"})
	require.True(t, ok)
	assert.Equal(t, int64(200), one.TotalCount())
	_, _, ok = run.Aggregate(threshold.MetricAck, map[string]string{threshold.TagEvent: "nope"})
	assert.False(t, ok)
	_, ok = run.Histogram(threshold.MetricAck, nil)
	assert.False(t, ok, "Histogram wants the exact tag set")
	assert.Equal(t, int64(3), run.Counter(threshold.MetricErrors, nil))
	rate, ok := run.ErrorRate(nil)
	require.True(t, ok)
	assert.InDelta(t, 3.0/1000, rate, 1e-12, "errors / (messages_sent + connections)")
}

// Two segments' histograms merged equal one histogram of all their values,
// count for count.
func TestMergeRunsExact(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var a, b, all []int64
	for range 5000 {
		v := int64(rng.ExpFloat64()*3000) + 1
		if rng.IntN(3) == 0 {
			a = append(a, v)
		} else {
			b = append(b, v)
		}
		all = append(all, v)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	seg := func(i int, vals []int64, offset time.Duration) *Run {
		chat := map[string]string{threshold.TagEvent: "chat"}
		return &Run{
			Schema: RunSchema, Scenario: "s", Targets: []string{"http://a"}, Segments: []Segment{{I: i, N: 2}},
			Environment: Environment{Host: "h" + string(rune('0'+i)), Start: start.Add(offset), End: start.Add(offset + 5*time.Second)},
			Histograms:  []HistogramRecord{mustRecord(t, threshold.MetricAck, chat, newHist(vals...))},
			Counters:    []CounterRecord{{Metric: threshold.MetricMessagesSent, Tags: chat, Value: int64(len(vals))}, {Metric: threshold.MetricErrors, Tags: map[string]string{threshold.TagKind: "dial"}, Value: int64(i)}},
			Generator:   Generator{StartsDropped: 1, StartsDelayed: int64(i)},
			Series: []Point{
				{T: 0, Clients: 10, MessagesOut: 5, AckHDR: string(must(newHist(vals[:len(vals)/2]...).Encode(hdrhistogram.V2CompressedEncodingCookieBase))), ServerGoroutines: ptr(int64(100 * i))},
				{T: 1, Clients: 20, MessagesOut: 7, AckHDR: string(must(newHist(vals[len(vals)/2:]...).Encode(hdrhistogram.V2CompressedEncodingCookieBase)))},
			},
			Errors:     []ErrorSample{{Kind: "dial", Count: int64(i), Messages: []string{"refused", "m" + string(rune('0'+i))}}},
			Thresholds: []ThresholdResult{{Expr: "ack_count == 5000", OK: false}},
		}
	}
	r1, r2 := seg(1, a, 0), seg(2, b, time.Second)
	m, err := MergeRuns(r1, r2)
	require.NoError(t, err)

	got, ok := m.Histogram(threshold.MetricAck, map[string]string{threshold.TagEvent: "chat"})
	require.True(t, ok)
	assert.True(t, got.Equals(newHist(all...)), "merged histogram equals the histogram of all values")
	assert.Equal(t, int64(5000), m.Histograms[0].Count)
	assert.Equal(t, int64(5000), m.Counter(threshold.MetricMessagesSent, nil))
	assert.Empty(t, m.Segments, "1/2 and 2/2: the whole run")
	assert.Equal(t, "h1", m.Environment.Host, "environment of the first")
	assert.Equal(t, 6.0, m.Seconds(), "earliest start to latest end")
	assert.Equal(t, Generator{StartsDropped: 2, StartsDelayed: 3}, m.Generator)
	assert.Equal(t, []ErrorSample{{Kind: "dial", Count: 3, Messages: []string{"refused", "m1", "m2"}}}, m.Errors)
	assert.Equal(t, []ThresholdResult{{Expr: "ack_count == 5000", OK: true, Actual: "5000", Value: 5000}}, m.Thresholds, "re-evaluated over the merge")

	require.Len(t, m.Series, 2)
	assert.Equal(t, int64(40), m.Series[1].Clients, "levels add up across segments")
	assert.Equal(t, int64(14), m.Series[1].MessagesOut)
	assert.Equal(t, int64(200), *m.Series[0].ServerGoroutines, "server figures: the largest seen")
	assert.Nil(t, m.Series[1].ServerGoroutines)
	whole := newHist(all...)
	assert.Equal(t, float64(whole.ValueAtPercentile(99))/1e3, m.Series[1].AckP99, "ack p99 so far recomputed from the merged seconds")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestMergeRunsErrors(t *testing.T) {
	t.Parallel()
	run := func(scenario string, segs ...Segment) *Run {
		return &Run{Schema: RunSchema, Scenario: scenario, Segments: segs}
	}
	for _, tc := range []struct {
		name string
		runs []*Run
		want string
	}{
		{"none", nil, "failed to merge runs: no runs"},
		{"scenarios", []*Run{run("a"), run("b")}, `failed to merge runs: run 2 is of scenario "b", run 1 of "a"`},
		{"duplicate", []*Run{run("a", Segment{1, 2}), run("a", Segment{1, 2})}, "failed to merge runs: segment 1/2 appears twice"},
		{"split", []*Run{run("a", Segment{1, 2}), run("a", Segment{1, 3})}, "failed to merge runs: segment 1/2 and 1/3 split the run differently"},
		{"schema", []*Run{run("a"), {Schema: 9, Scenario: "a"}}, "failed to merge runs: run 2: reports: unsupported run schema: schema 9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := MergeRuns(tc.runs...)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

// The simulator's own memory: segments' RSS add up second by second, and
// the generator's figures come from the merged series (issue 5).
func TestGeneratorMemory(t *testing.T) {
	t.Parallel()
	seg := func(i int, rss ...int64) *Run {
		r := &Run{Schema: RunSchema, Scenario: "s", Segments: []Segment{{I: i, N: 2}}}
		for k, v := range rss {
			r.Series = append(r.Series, Point{T: int64(k + 1), Clients: int64(100 * (k + 1)), GeneratorRSS: ptr(v)})
		}
		r.Generator.FillMemory(r.Series)
		return r
	}
	a, b := seg(1, 1<<20, 3<<20), seg(2, 2<<20, 2<<20)
	assert.EqualValues(t, 3<<20, a.Generator.RSSMax)
	assert.InDelta(t, 3.0*1024/200, a.Generator.RSSPerClientKiB, 1e-9)
	m, err := MergeRuns(a, b)
	require.NoError(t, err)
	require.Len(t, m.Series, 2)
	assert.EqualValues(t, 3<<20, *m.Series[0].GeneratorRSS)
	assert.EqualValues(t, 5<<20, *m.Series[1].GeneratorRSS)
	assert.EqualValues(t, 5<<20, m.Generator.RSSMax)
	assert.InDelta(t, 5.0*1024/400, m.Generator.RSSPerClientKiB, 1e-9, "at the second with the most clients (400)")
	var out strings.Builder
	require.NoError(t, WriteRunText(&out, m))
	assert.Contains(t, out.String(), "rss max 5.0 MiB, 12.8 KiB per connected client")

	var none Generator
	none.FillMemory([]Point{{T: 1, Clients: 5}})
	assert.Zero(t, none.RSSMax, "no figures, no memory line")
}

// A merge of some of a split's segments is still a segment record: it
// lists them; all of them make the whole run, which lists none.
func TestMergeRunsPartial(t *testing.T) {
	t.Parallel()
	seg := func(i int) *Run { return &Run{Schema: RunSchema, Scenario: "s", Segments: []Segment{{I: i, N: 3}}} }
	m, err := MergeRuns(seg(1), seg(3))
	require.NoError(t, err)
	assert.Equal(t, []Segment{{1, 3}, {3, 3}}, m.Segments)
	m, err = MergeRuns(m, seg(2))
	require.NoError(t, err)
	assert.Empty(t, m.Segments, "1/3, 3/3 and 2/3: the whole run")
}

// Records written before phases were added (schema 1 without "phases")
// still load; segments' phases merge by name, exactly.
func TestRunPhasesLoadAndMerge(t *testing.T) {
	t.Parallel()
	run := sampleRun(t)
	var b bytes.Buffer
	require.NoError(t, WriteRunJSON(&b, run))
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b.Bytes(), &raw))
	require.Contains(t, raw, "phases")
	delete(raw, "phases")
	old, err := json.Marshal(raw)
	require.NoError(t, err)
	got, err := ReadRun(bytes.NewReader(old))
	require.NoError(t, err)
	assert.Nil(t, got.Phases)
	assert.Equal(t, RunSchema, got.Schema)

	a, c := sampleRun(t), sampleRun(t)
	a.Segments, c.Segments = []Segment{{I: 1, N: 2}}, []Segment{{I: 2, N: 2}}
	c.Phases[2].End = 12.5
	merged, err := MergeRuns(a, c)
	require.NoError(t, err)
	require.Len(t, merged.Phases, 3)
	for i, name := range []string{"ramp", "hold", TeardownPhase} {
		p := merged.Phases[i]
		assert.Equal(t, name, p.Name)
		require.Len(t, p.Histograms, 1)
		assert.Equal(t, 2*a.Phases[i].Histograms[0].Count, p.Histograms[0].Count, name)
		assert.Equal(t, a.Phases[i].Histograms[0].P99, p.Histograms[0].P99, name)
	}
	assert.Equal(t, 12.5, merged.Phases[2].End, "the latest end")
}

// Records written before the per-second latency and errors by kind were
// added (schema 1 without series[].latency, series[].errors_by_kind and
// command) still load; segments' seconds merge them: errors by kind add
// up, each percentile keeps the higher value.
func TestRunSeriesLatencyLoadAndMerge(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, WriteRunJSON(&b, sampleRun(t)))
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b.Bytes(), &raw))
	delete(raw, "command")
	for _, p := range raw["series"].([]any) {
		delete(p.(map[string]any), "latency")
		delete(p.(map[string]any), "errors_by_kind")
		delete(p.(map[string]any), "messages_out_by_event")
	}
	old, err := json.Marshal(raw)
	require.NoError(t, err)
	require.NotContains(t, string(old), "latency")
	got, err := ReadRun(bytes.NewReader(old))
	require.NoError(t, err)
	require.Len(t, got.Series, 3)
	assert.Nil(t, got.Series[1].Latency)
	assert.Nil(t, got.Series[1].ErrorsByKind)
	assert.Nil(t, got.Command)
	assert.EqualValues(t, 2, got.Series[1].Errors)

	a, c := sampleRun(t), sampleRun(t)
	a.Segments, c.Segments = []Segment{{I: 1, N: 2}}, []Segment{{I: 2, N: 2}}
	c.Series[1].Latency[1].P99 = 9
	c.Series[1].Latency[1].P50 = 1
	c.Series[1].ErrorsByKind["ack_timeout"] = 3
	merged, err := MergeRuns(a, c)
	require.NoError(t, err)
	p := merged.Series[1]
	assert.Equal(t, map[string]int64{"dial": 4, "ack_timeout": 3}, p.ErrorsByKind)
	assert.Equal(t, map[string]int64{"chat": 800, "user-join": 40}, p.MessagesOutByEvent)
	require.Len(t, p.Latency, 3)
	chat := p.Latency[1]
	assert.Equal(t, threshold.MetricAck, chat.Metric)
	assert.Equal(t, LatencyPoint{Metric: threshold.MetricAck, Tags: chat.Tags, Count: 400, P50: 2.7, P90: 4.5, P99: 9, Max: 5}, chat)
}
