package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleSweep() *Sweep {
	start := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	run := func(cpu, vanish float64, open bool) SweepRun {
		r := SweepRun{OK: true, Figures: map[string]float64{FigClients: 200, FigCPUPer1k: cpu, FigBytesPerMin: 1200, FigVanishConn: vanish}}
		if open {
			r.Open = map[string]bool{FigVanishConn: true}
		}
		return r
	}
	return &Sweep{
		Schema: SweepSchema, Scenario: "ping-settings", Keys: []string{"server.ping_interval", "client.heartbeat"},
		Managed: true, Repeat: 2, Start: start, End: start.Add(70 * time.Second),
		Command: []string{"stampede", "sweep", "ping-settings"},
		Rows: []SweepRow{
			{Values: []string{"1s", "5s"}, Runs: []SweepRun{run(0.05, 1.9, false), run(0.07, 2.0, false)}},
			{Values: []string{"1s", "10s"}, Runs: []SweepRun{run(0.04, 1.9, false), {Error: "campaign: managed server: no ready line"}}},
			{Values: []string{"25s", "5s"}, Runs: []SweepRun{run(0.01, 6, true), run(0.01, 6, true)}},
			{Values: []string{"25s", "10s"}, Runs: []SweepRun{run(0.01, 6, true), {Figures: map[string]float64{FigClients: 200}}}},
		},
	}
}

func TestSweepReports(t *testing.T) {
	t.Parallel()
	s := sampleSweep()
	for _, tc := range []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"sweep.txt", func(b *bytes.Buffer) error { return WriteSweepText(b, s) }},
		{"sweep.md", func(b *bytes.Buffer) error { return WriteSweepMarkdown(b, s) }},
		{"sweep.html", func(b *bytes.Buffer) error { return WriteSweepHTML(b, s) }},
	} {
		var b bytes.Buffer
		require.NoError(t, tc.render(&b), tc.name)
		golden(t, tc.name, b.Bytes())
	}
	var b bytes.Buffer
	require.NoError(t, WriteSweepText(&b, s))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 5, "a header and a row per combination")
	assert.Regexp(t, `^1s +5s +200 +0\.050–0\.070 +1200 +1\.9–2\.0 +ok$`, lines[1], "repeats as ranges")
	assert.Regexp(t, `1 of 2 ok$`, lines[2], "a run that did not run counts against its row")
	assert.Regexp(t, `>6\.0 +ok$`, lines[3], "a lower bound is marked")
	assert.Regexp(t, `^25s +10s +200 +0\.010 +1200 +>6\.0 +1 of 2 ok$`, lines[4], "a missing figure leaves the range of the others")

	b.Reset()
	require.NoError(t, WriteSweepHTML(&b, s))
	// heartbeat 5s measured CPU twice at each interval: its mean, low and
	// high lines (2 points each); heartbeat 10s once: its mean alone.
	for _, want := range []string{`data-plot="server_cpu_per_1k" data-points="8"`, `data-plot="vanished_connected_s" data-points="8"`,
		`>server.ping_interval</text>`, `data-line="client.heartbeat=10s"`,
		`data-line="client.heartbeat=5s low" data-points="2" points="233.5,111 576.5,179"`,
		`data-line="client.heartbeat=5s high" data-points="2" points="233.5,77 576.5,179"`} {
		assert.Contains(t, b.String(), want)
	}
}

// The sweep page, from the golden input, in headless Chromium: every plot
// drew, nothing on the console, no request.
func TestSweepReportInBrowser(t *testing.T) {
	t.Parallel()
	s := sampleSweep()
	assertPageInBrowser(t, "sweep", func(b *bytes.Buffer) error { return WriteSweepHTML(b, s) }, 8)
}

// With several refserver processes of which the watch read one, the sweep
// and capacity reports say whose the server figures are; with one
// process, or every process watched, they say nothing of it.
func TestWatchedProcessesNote(t *testing.T) {
	t.Parallel()
	const note = "come from 1 of 3 refserver processes"
	for _, tc := range []struct {
		processes, watched int
		want               bool
	}{{3, 1, true}, {1, 0, false}, {2, 2, false}, {3, 0, false}} {
		s, c := sampleSweep(), sampleCapacity()
		s.Rows[1].Runs[0].Processes, s.Rows[1].Runs[0].Watched = tc.processes, tc.watched
		c.Steps[2].Processes, c.Steps[2].Watched = tc.processes, tc.watched
		for name, render := range map[string]func(*bytes.Buffer) error{
			"sweep.md":      func(b *bytes.Buffer) error { return WriteSweepMarkdown(b, s) },
			"sweep.html":    func(b *bytes.Buffer) error { return WriteSweepHTML(b, s) },
			"capacity.txt":  func(b *bytes.Buffer) error { return WriteCapacityText(b, c) },
			"capacity.md":   func(b *bytes.Buffer) error { return WriteCapacityMarkdown(b, c) },
			"capacity.html": func(b *bytes.Buffer) error { return WriteCapacityHTML(b, c) },
		} {
			var b bytes.Buffer
			require.NoError(t, render(&b), name)
			if tc.want {
				assert.Contains(t, b.String(), note, "%s, %d of %d", name, tc.watched, tc.processes)
			} else {
				assert.NotContains(t, b.String(), "refserver processes", "%s, %d of %d", name, tc.watched, tc.processes)
			}
		}
	}
}
