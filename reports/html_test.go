package reports

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	plotTag   = regexp.MustCompile(`<svg [^>]*data-plot="([^"]*)" data-points="(\d+)"`)
	lineTag   = regexp.MustCompile(`<polyline [^>]*data-points="(\d+)"`)
	remoteRef = regexp.MustCompile(`(?i)(src|href|action|srcset)\s*=\s*["']?\s*(https?:)?//`)
)

// plotsOf returns each plot's data-points by data-plot.
func plotsOf(t *testing.T, page string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range plotTag.FindAllStringSubmatch(page, -1) {
		n, err := strconv.Atoi(m[2])
		require.NoError(t, err)
		out[m[1]] = n
	}
	return out
}

func TestWriteRunHTML(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, WriteRunHTML(&b, sampleRun(t)))
	page := b.String()
	plots := plotsOf(t, page)
	for _, id := range []string{"clients", "connects", "messages", "latency connect_tcp", "latency ack{event:chat}",
		"latency ack{event:user-join}", "hdr connect_tcp", "hdr ack{event:chat}", "hdr ack{event:user-join}", "hdr lag",
		"errors", "generator-lag", "server-cpu", "memory", "server-goroutines"} {
		assert.Positive(t, plots[id], "plot %q: %v", id, plots)
	}
	assert.Equal(t, 3*3, plots["messages"], "sent chat, sent user-join, received: 3 seconds each")
	assert.Equal(t, hdrPlotPoints+1, plots["hdr lag"], "the HDR plot samples its percentiles")
	assert.NotContains(t, plots, "latency lag", "the generator's lag is plotted apart")
	assert.Empty(t, remoteRef.FindAllString(page, -1), "nothing to load from the network")
	for _, want := range []string{
		`<span class="verdict fail">fail</span>`, "<code>lag_p99 &lt; 1ms</code>", "stampede run chat-stream --segment 1/2 --out part-1.json",
		"name: chat-stream\nphases: []", "Content-Security-Policy", ">ramp</text>", ">teardown</text>",
	} {
		assert.Contains(t, page, want)
	}
}

// An hour of series and a histogram of 100,000 values: every line draws
// at most maxLinePoints, and the page stays small.
func TestRunHTMLStaysSmallForAnHour(t *testing.T) {
	t.Parallel()
	run := sampleRun(t)
	rnd := rand.New(rand.NewPCG(1, 2))
	values := make([]int64, 100_000)
	for i := range values {
		values[i] = 200 + rnd.Int64N(50_000)
	}
	run.Histograms = []HistogramRecord{mustRecord(t, threshold.MetricAck, map[string]string{threshold.TagEvent: "chat"}, newHist(values...))}
	run.Series = nil
	for s := range int64(3600) {
		run.Series = append(run.Series, Point{T: s, Clients: 10_000, Connects: s % 7, MessagesOut: 20_000 + s%100,
			MessagesOutByEvent: map[string]int64{"chat": 20_000 + s%100}, ErrorsByKind: map[string]int64{"dial": s % 3},
			ServerCPU: ptr(1.5), ServerRSS: ptr(int64(300 << 20)),
			Latency: []LatencyPoint{{Metric: threshold.MetricAck, Tags: map[string]string{threshold.TagEvent: "chat"}, Count: 20_000, P50: 2, P90: 4, P99: float64(9 + s%5), Max: 30}}})
	}
	run.Series[1800].Latency[0].Max = 4_000 // one spike in the middle
	var b bytes.Buffer
	require.NoError(t, WriteRunHTML(&b, run))
	page := b.String()
	for _, m := range lineTag.FindAllStringSubmatch(page, -1) {
		n, _ := strconv.Atoi(m[1])
		assert.LessOrEqual(t, n, maxLinePoints)
		assert.Positive(t, n)
	}
	assert.Less(t, b.Len(), 1<<20, "an hour's report under 1 MiB")
	assert.True(t, strings.Contains(page, ">5000 ms</text>"), "the spike (4 s) survives downsampling and sets the axis")
	t.Logf("an hour's report: %d bytes", b.Len())
}

func TestDownsampleKeepsExtremes(t *testing.T) {
	t.Parallel()
	xs, ys := make([]float64, 10_000), make([]float64, 10_000)
	for i := range xs {
		xs[i], ys[i] = float64(i), 5
	}
	ys[4321], ys[8765] = 100, -3
	dx, dy := downsample(xs, ys, 1000)
	assert.LessOrEqual(t, len(dx), 1000)
	assert.Contains(t, dy, 100.0)
	assert.Contains(t, dy, -3.0)
	assert.Equal(t, 0.0, dx[0])
	assert.Equal(t, 9999.0, dx[len(dx)-1])
	for i := 1; i < len(dx); i++ {
		require.Less(t, dx[i-1], dx[i], "x stays in order")
	}
	sx, _ := downsample(xs[:10], ys[:10], 1000)
	assert.Len(t, sx, 10, "short lines are kept whole")
}

func TestWriteCheckHTML(t *testing.T) {
	t.Parallel()
	c := sampleCheck()
	c.Command = []string{"stampede", "check", "--target", "http://127.0.0.1:8080", "--secret", "REDACTED"}
	var b bytes.Buffer
	require.NoError(t, WriteCheckHTML(&b, c))
	page := b.String()
	assert.Equal(t, map[string]int{"cases by status": 4}, plotsOf(t, page))
	assert.Equal(t, len(c.Cases), bytes.Count(b.Bytes(), []byte(`<tr class="case"`)))
	assert.Contains(t, page, `data-status="skip" data-layer="engineio"`)
	assert.Contains(t, page, "the target does not serve polling")
	assert.Contains(t, page, "<summary>evidence</summary>")
	assert.Contains(t, page, `id="filter-text"`)
	assert.Empty(t, remoteRef.FindAllString(page, -1), "nothing to load from the network")
}

// A record of another shape still renders: no series, no histograms, a
// config kept as a JSON object.
func TestWriteRunHTMLEmptyRun(t *testing.T) {
	t.Parallel()
	run := &Run{Schema: RunSchema, Scenario: "x", Config: json.RawMessage(`{"name":"x"}`),
		Environment: Environment{Start: time.Unix(0, 0), End: time.Unix(1, 0)}}
	var b bytes.Buffer
	require.NoError(t, WriteRunHTML(&b, run))
	assert.Empty(t, plotsOf(t, b.String()), "nothing to draw, no empty plot")
	assert.Contains(t, b.String(), "{\n  &#34;name&#34;: &#34;x&#34;\n}")
}
