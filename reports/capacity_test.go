package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleCapacity() *Capacity {
	start := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	slo := "push_p99 < 250ms"
	step := func(v int, stage string, held bool, p99 float64, cpu float64) CapacityStep {
		actual := formatFigure(p99, 1) + "ms"
		return CapacityStep{Value: v, Stage: stage, Held: held, Seconds: 12.5, Record: "step.json",
			SLOs:    []ThresholdResult{{Expr: slo, OK: held, Actual: actual, Value: p99}},
			Figures: map[string]float64{FigClients: float64(v), FigServerCPU: cpu, FigLagP99: 2, FigErrorRate: 0}}
	}
	return &Capacity{
		Schema: CapacitySchema, Scenario: "room-fanout", By: ByClients, SLOs: []string{slo}, Min: 500, Max: 8000,
		Budget: 600, Start: start, End: start.Add(95 * time.Second), Managed: true,
		Steps: []CapacityStep{
			step(500, "raise", true, 40, 0.3), step(1000, "raise", true, 90, 0.6), step(2000, "raise", false, 900, 1.2),
			step(1500, "narrow", false, 400, 1.0), step(1250, "narrow", true, 180, 0.8),
			{Value: 1375, Stage: "narrow", Saturated: true, Note: "generator lag p99 80.0 ms, 0 starts dropped", Seconds: 12},
		},
		Answer: 1250, Found: true, LowerBound: true, Saturated: true,
		Stopped: "the generator saturated at 1375 (generator lag p99 80.0 ms, 0 starts dropped), before the server broke an SLO",
		Limit:   "server CPU: 1.20 of 2 cores in the busiest second (the generator shares this machine); push_p99 < 250ms measured 900.0ms",
	}
}

func TestCapacityReports(t *testing.T) {
	t.Parallel()
	c := sampleCapacity()
	for _, tc := range []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"capacity.txt", func(b *bytes.Buffer) error { return WriteCapacityText(b, c) }},
		{"capacity.md", func(b *bytes.Buffer) error { return WriteCapacityMarkdown(b, c) }},
		{"capacity.html", func(b *bytes.Buffer) error { return WriteCapacityHTML(b, c) }},
	} {
		var b bytes.Buffer
		require.NoError(t, tc.render(&b), tc.name)
		golden(t, tc.name, b.Bytes())
	}
	var b bytes.Buffer
	require.NoError(t, WriteCapacityText(&b, c))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	assert.Equal(t, "capacity: 1250 clients", lines[len(lines)-1], "the answer is the last line")
	assert.Contains(t, b.String(), "the answer is a lower bound: 1250 clients held")
	assert.Regexp(t, `(?m)^2000 +raise +BROKE +900\.0ms ✗`, b.String())
	assert.Regexp(t, `(?m)^1375 +narrow +generator saturated `, b.String())

	b.Reset()
	require.NoError(t, WriteCapacityHTML(&b, c))
	assert.Contains(t, b.String(), `data-plot="knee push_p99 &lt; 250ms" data-points="7"`, "5 measured steps and the SLO's two ends")
	assert.Contains(t, b.String(), `data-plot="knee server_cpu_max" data-points="5"`)

	for _, tc := range []struct {
		c    Capacity
		want string
	}{
		{Capacity{By: ByRate, Found: true, Answer: 300}, "capacity: 300/s"},
		{Capacity{By: ByClients, Found: false}, "capacity: none"},
	} {
		assert.Equal(t, tc.want, tc.c.CapacityLine())
	}
}

// The capacity page, from the golden input, in headless Chromium: the knee
// plots drew, nothing on the console, no request.
func TestCapacityReportInBrowser(t *testing.T) {
	t.Parallel()
	c := sampleCapacity()
	assertPageInBrowser(t, "capacity", func(b *bytes.Buffer) error { return WriteCapacityHTML(b, c) }, 4)
}
