package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowerRun is sampleRun with chat acks about 1.5 times slower, twice the
// dial errors, a phase's latency changed, and one metric (push) the first
// lacks.
func slowerRun(t *testing.T) *Run {
	t.Helper()
	r := sampleRun(t)
	chat := map[string]string{threshold.TagEvent: "chat"}
	r.Environment.Start = r.Environment.Start.Add(3600e9)
	r.Environment.End = r.Environment.End.Add(3600e9)
	r.Histograms[2] = mustRecord(t, threshold.MetricAck, chat, newHist(spread(200, 750, 7_500)...))
	r.Histograms = append(r.Histograms, mustRecord(t, threshold.MetricPush, map[string]string{threshold.TagEvent: "typing"}, newHist(spread(80, 900, 9_000)...)))
	r.Phases[1].Histograms[0] = mustRecord(t, threshold.MetricAck, chat, newHist(spread(150, 750, 4_500)...))
	r.Counters[2].Value = 4
	r.SortRecords()
	for i := range r.Series {
		r.Series[i].Clients += 10
		for j := range r.Series[i].Latency {
			r.Series[i].Latency[j].P99 *= 1.5
		}
	}
	r.Series[1].Latency = append(r.Series[1].Latency, LatencyPoint{Metric: threshold.MetricPush, Tags: map[string]string{threshold.TagEvent: "typing"}, Count: 80, P50: 5, P90: 8, P99: 9, Max: 9})
	r.Thresholds, _ = Evaluate(r, []string{"ack_p99{event:user-join} < 100ms"})
	return r
}

func rules(t *testing.T, exprs ...string) []threshold.Change {
	t.Helper()
	out := make([]threshold.Change, len(exprs))
	for i, e := range exprs {
		var err error
		out[i], err = threshold.ParseChange(e)
		require.NoError(t, err)
	}
	return out
}

func sampleComparison(t *testing.T) *Comparison {
	t.Helper()
	c, err := Compare([]string{"base.json", "slower.json"}, []*Run{sampleRun(t), slowerRun(t)},
		rules(t, "ack_p99{event:chat} > +10%", "ack_p99{event:user-join} > +10%", "errors > +5", "push_p99 > +20ms"))
	require.NoError(t, err)
	return c
}

func TestCompareRules(t *testing.T) {
	t.Parallel()
	c := sampleComparison(t)
	require.Len(t, c.Rules, 4)
	assert.False(t, c.OK())
	got := map[string]RuleResult{}
	for _, r := range c.Rules {
		got[r.Expr] = r
	}
	chat := got["ack_p99{event:chat} > +10%"]
	assert.False(t, chat.OK, "1.5 times slower")
	assert.Equal(t, "slower.json", chat.Record)
	assert.Equal(t, "7.44ms against 4.96ms: +50.1%", chat.Describe())
	assert.True(t, got["ack_p99{event:user-join} > +10%"].OK, "unchanged")
	assert.True(t, got["errors > +5"].OK, "3 → 5")
	push := got["push_p99 > +20ms"]
	assert.False(t, push.OK, "no push in the first record: no data breaks the rule")
	assert.Equal(t, "no data", push.Err)
}

func TestCompareRows(t *testing.T) {
	t.Parallel()
	c := sampleComparison(t)
	rows := map[string]CompareRow{}
	for _, r := range c.Rows {
		rows[r.Section+" "+r.Name] = r
	}
	for name, want := range map[string][2]any{
		"latency ack_p99{event:chat}":               {4.96, 7.435},
		"latency ack_p99":                           {48.54, 48.54}, // over both events
		"latency push_p99{event:typing}":            {nil, 8.9},
		"errors errors{kind:dial}":                  {2.0, 4.0},
		"errors errors":                             {3.0, 5.0},
		"generator lag_p99":                         {15.0, 15.0},
		"phase hold ack_p99{event:chat}":            {2.98, 4.48},
		"server server_cpu_max":                     {0.7, 0.7},
		"throughput messages_sent_rate{event:chat}": {90.0, 90.0},
		"generator starts_dropped":                  {0.0, 0.0},
	} {
		row, ok := rows[name]
		require.True(t, ok, "row %q in %v", name, c.sections())
		for i, w := range want {
			if w == nil {
				assert.Nil(t, row.Values[i], name)
				continue
			}
			require.NotNil(t, row.Values[i], name)
			assert.InDelta(t, w.(float64), *row.Values[i], 0.05, "%s record %d", name, i)
		}
	}
	assert.NotContains(t, rows, "phase teardown ack_p99{event:chat}", "the teardown is left out")
}

func TestCompareErrors(t *testing.T) {
	t.Parallel()
	_, err := Compare([]string{"a"}, []*Run{sampleRun(t)}, nil)
	assert.ErrorIs(t, err, ErrCompare)
	assert.ErrorContains(t, err, "want two records or more, got 1")
}

func TestWriteCompareGolden(t *testing.T) {
	t.Parallel()
	c := sampleComparison(t)
	for _, tc := range []struct{ format, file string }{
		{FormatText, "compare.txt"}, {FormatMarkdown, "compare.md"}, {FormatJSON, "compare.json"},
	} {
		var b bytes.Buffer
		require.NoError(t, c.Write(&b, tc.format))
		golden(t, tc.file, b.Bytes())
	}
	var b bytes.Buffer
	require.NoError(t, c.Write(&b, FormatMarkdown))
	md := b.String()
	assert.Contains(t, md, "### stampede report compare: **FAIL (2 of 4 rules broke)**")
	assert.Contains(t, md, "| ack_p99{event:chat} | 4.96ms | 7.44ms (+2.48ms ×1.50) |")
	assert.Contains(t, md, "| connections | 100 | 100 |", "no change: no parenthesis")
	assert.NotContains(t, md, "_p90", "the Markdown keeps p50 and p99")
	headline, details, ok := strings.Cut(md, "<details>")
	require.True(t, ok, "the rest folds into a <details> block")
	assert.Contains(t, headline, "| error_rate |")
	assert.Contains(t, details, "| hold: ack_p99{event:chat} |", "phases in the fold")
	assert.NotContains(t, headline, "hold:")
	assert.NotContains(t, headline, "ramp:")
	assert.False(t, c.headline(CompareRow{Section: sectionPhase + "hold", Name: "lag_p99"}), "a phase's lag folds too")
	assert.True(t, c.headline(CompareRow{Section: SectionGenerator, Name: "lag_p99"}))
	assert.Error(t, c.Write(&b, "yaml"))
}

func TestWriteCompareHTML(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, WriteCompareHTML(&b, sampleComparison(t)))
	page := b.String()
	plots := plotsOf(t, page)
	for _, id := range []string{"hdr ack{event:chat}", "hdr ack{event:user-join}", "hdr push{event:typing}", "hdr lag",
		"clients", "messages-in", "p99 ack{event:chat}", "p99 push{event:typing}", "errors", "server-cpu", "server-rss"} {
		assert.Positive(t, plots[id], "plot %q: %v", id, plots)
	}
	assert.Equal(t, 2*(hdrPlotPoints+1), plots["hdr ack{event:chat}"], "both records overlaid")
	assert.Equal(t, hdrPlotPoints+1, plots["hdr push{event:typing}"], "only the second has push")
	assert.NotContains(t, plots, "hdr ack", "tagged timers are plotted by tag set")
	assert.Empty(t, remoteRef.FindAllString(page, -1), "nothing to load from the network")
	for _, want := range []string{`<span class="verdict fail">FAIL (2 of 4 rules broke)</span>`, "<code>ack_p99{event:chat} &gt; &#43;10%</code>",
		`stroke="#1f77b4" data-line="A base.json"`, `stroke="#d62728" data-line="B slower.json"`, "Content-Security-Policy"} {
		assert.Contains(t, page, want)
	}
}

func TestCompareReportInBrowser(t *testing.T) {
	t.Parallel()
	c := sampleComparison(t)
	assertPageInBrowser(t, "compare", func(b *bytes.Buffer) error { return WriteCompareHTML(b, c) }, 20)
}
