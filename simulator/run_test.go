package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator/schedule"
)

// fakeServer answers the probe and the scrapes without a network, so that
// Run can run in a synctest bubble: each scrape reports half a CPU-second
// more than the last.
type fakeServer struct {
	mu      sync.Mutex
	scrapes int
	down    bool
	noProm  bool
}

func (f *fakeServer) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, errors.New("dial tcp 127.0.0.1:9: connect: connection refused")
	}
	resp := &http.Response{StatusCode: http.StatusNotFound, Header: http.Header{}, Request: req, Body: io.NopCloser(strings.NewReader("404"))}
	if q := req.URL.Query(); q.Get("transport") == "polling" && q.Get("sid") == "" { // the probe's handshake
		open := `0{"sid":"fake","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`
		resp.StatusCode, resp.Body = http.StatusOK, io.NopCloser(strings.NewReader(open))
	}
	if req.URL.Path == "/metrics" && !f.noProm {
		f.scrapes++
		body := fmt.Sprintf("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %g\nprocess_resident_memory_bytes 1e+08\ngo_goroutines 42\ngo_goroutines_other 7\n", 0.5*float64(f.scrapes))
		resp.StatusCode, resp.Body = http.StatusOK, io.NopCloser(strings.NewReader(body))
	}
	return resp, nil
}

func (f *fakeServer) client() *http.Client { return &http.Client{Transport: f} }

func testScenario(phases ...scenarios.Phase) *scenarios.Scenario {
	return &scenarios.Scenario{
		Name: "fake",
		// polling: the probe's handshake goes through fakeServer.
		Target: scenarios.Target{URLs: []string{"http://127.0.0.1:9"}, Namespace: "/echo", Transport: "polling"},
		Auth:   scenarios.Auth{Mode: scenarios.AuthNone},
		Phases: phases,
		Flows:  []scenarios.Flow{{Name: "idle", Steps: []scenarios.Step{{Think: &scenarios.ThinkStep{Fixed: time.Second}}}}},
		// All at once, so that these tests count only the phases (see
		// TestRunTeardownSpreadsTheDisconnects).
		Teardown: new(time.Duration),
	}
}

// fakeVUs are virtual clients that connect at once and send a ping every
// 700ms, acked in index+1 milliseconds, until stopped.
func fakeVUs(env *Env) (schedule.StartFunc, error) {
	rec := env.Recorder
	conns, clients := rec.Counter(threshold.MetricConnections), rec.Gauge(threshold.MetricClients)
	connect := rec.Timer(threshold.MetricSIOConnect)
	ack := rec.Timer(threshold.MetricAck, threshold.TagEvent, "ping")
	sent := rec.Counter(threshold.MetricMessagesSent, threshold.TagEvent, "ping")
	return func(ctx context.Context, st *schedule.Start) {
		index := st.Index
		conns.Inc()
		connect.Record(2 * time.Millisecond)
		clients.Add(1)
		defer clients.Add(-1)
		st.Connected()
		tick := time.NewTicker(700 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				sent.Inc()
				ack.Record(time.Duration(index+1) * time.Millisecond)
			}
		}
	}, nil
}

func TestRunRecordsOnePointPerSecond(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := &fakeServer{}
		s := testScenario(
			scenarios.Phase{Kind: scenarios.PhaseRamp, To: 4, Duration: 1600 * time.Millisecond}, // 0, .4, .8, 1.2s
			scenarios.Phase{Kind: scenarios.PhaseHold, Duration: 1400 * time.Millisecond},
		)
		s.Thresholds = []string{"connections == 4", "ack_p99 < 3ms"}
		var progress []Progress
		start := time.Now()
		run, err := Run(t.Context(), RunConfig{
			Scenario: s, NewStart: fakeVUs, HTTPClient: srv.client(), Version: "test",
			Progress: func(p Progress) { progress = append(progress, p) },
		})
		require.NoError(t, err)

		assert.Equal(t, "fake", run.Scenario)
		assert.Equal(t, []string{"http://127.0.0.1:9"}, run.Targets)
		assert.False(t, run.Interrupted)
		assert.Empty(t, run.Segments)
		assert.Equal(t, start, run.Environment.Start)
		assert.Equal(t, 3*time.Second, run.Environment.End.Sub(run.Environment.Start))
		assert.Equal(t, "test", run.Environment.Version)

		require.Len(t, run.Series, 3)
		for i, want := range []struct{ clients, connects, out int64 }{{3, 3, 1}, {4, 1, 5}, {4, 0, 6}} {
			p := run.Series[i]
			assert.EqualValues(t, i+1, p.T)
			assert.Equal(t, want.clients, p.Clients, "t=%d", p.T)
			assert.Equal(t, want.connects, p.Connects, "t=%d", p.T)
			assert.Equal(t, want.out, p.MessagesOut, "t=%d", p.T)
		}
		for _, p := range run.Series[1:] {
			require.NotNil(t, p.ServerCPU, "t=%d", p.T)
			assert.InDelta(t, 0.5, *p.ServerCPU, 1e-9, "cores: half a CPU-second a second")
			require.NotNil(t, p.ServerRSS)
			assert.EqualValues(t, 100_000_000, *p.ServerRSS)
			require.NotNil(t, p.ServerGoroutines)
			assert.EqualValues(t, 42, *p.ServerGoroutines)
		}
		assert.InDelta(t, 4.0, run.Series[2].AckP99, 0.01, "ack p99 so far, in ms")
		for _, p := range run.Series[1:] {
			i := slices.IndexFunc(p.Latency, func(l reports.LatencyPoint) bool { return l.Metric == threshold.MetricAck })
			require.GreaterOrEqual(t, i, 0, "t=%d: the second's acks in series[].latency: %+v", p.T, p.Latency)
			assert.Positive(t, p.Latency[i].Count)
			assert.Positive(t, p.Latency[i].P99)
		}

		require.Len(t, progress, 3)
		assert.InDelta(t, 4*time.Millisecond, progress[1].AckP99, float64(10*time.Microsecond)) // HDR's 3 digits
		progress[1].AckP99 = 0
		assert.EqualValues(t, 4, progress[1].ConnectsTotal, "3 then 1: totals since the start")
		assert.EqualValues(t, 6, progress[1].MessagesOutTotal, "1 then 5")
		i := slices.IndexFunc(progress[1].Latency, func(l IntervalLatency) bool { return l.Metric == threshold.MetricAck })
		require.GreaterOrEqual(t, i, 0, "the second's ack quantiles: %+v", progress[1].Latency)
		assert.EqualValues(t, 5, progress[1].Latency[i].Count)
		progress[1].ConnectsTotal, progress[1].MessagesOutTotal, progress[1].Latency = 0, 0, nil
		assert.Equal(t, Progress{Phase: "phase-1", Elapsed: 2 * time.Second, Total: 3 * time.Second, Clients: 4, Connects: 1, MessagesOut: 5}, progress[1],
			"the phase in progress and the phases' planned length")

		assert.EqualValues(t, 4, run.Counter(threshold.MetricConnections, nil))
		assert.EqualValues(t, 12, run.Counter(threshold.MetricMessagesSent, nil))
		assert.Zero(t, run.Generator.StartsDelayed)
		assert.Zero(t, run.Generator.StartsDropped)
		if runtime.GOOS == "linux" { // the simulator's own memory, each second and per client
			for _, p := range run.Series {
				require.NotNil(t, p.GeneratorRSS, "t=%d", p.T)
				assert.Positive(t, *p.GeneratorRSS)
			}
			assert.Equal(t, max(*run.Series[0].GeneratorRSS, *run.Series[1].GeneratorRSS, *run.Series[2].GeneratorRSS), run.Generator.RSSMax)
			assert.InDelta(t, float64(*run.Series[2].GeneratorRSS)/1024/4, run.Generator.RSSPerClientKiB, 1e-9,
				"at the last second with the most clients (4)")
		}
		// Latency phase by phase: the scenario's phases, then the teardown.
		require.Len(t, run.Phases, 3)
		var acks int64
		for i, name := range []string{"phase-0", "phase-1", reports.TeardownPhase} {
			assert.Equal(t, name, run.Phases[i].Name)
			for _, h := range run.Phases[i].Histograms {
				if h.Metric == threshold.MetricAck {
					acks += h.Count
				}
			}
		}
		assert.InDelta(t, 1.6, run.Phases[0].End, 1e-9, "the ramp's end")
		assert.EqualValues(t, 12, acks, "every ack in one phase")
		require.Len(t, run.Thresholds, 3, "the scenario's and the default starts_dropped == 0")
		assert.True(t, run.Thresholds[0].OK, "%+v", run.Thresholds[0])
		assert.False(t, run.Thresholds[1].OK, "%+v", run.Thresholds[1])
		assert.Equal(t, reports.DefaultDropThreshold, run.Thresholds[2].Expr)
		assert.True(t, run.Thresholds[2].OK, "%+v", run.Thresholds[2])

		var yml string
		require.NoError(t, json.Unmarshal(run.Config, &yml))
		again, err := scenarios.Load("config.yaml", strings.NewReader(yml))
		require.NoError(t, err, yml)
		assert.Equal(t, s.Phases, again.Phases)
	})
}

func TestRunInterruptedReturnsThePartialRecord(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
		defer cancel()
		s := testScenario(scenarios.Phase{Kind: scenarios.PhaseSpike, Population: 3}, scenarios.Phase{Kind: scenarios.PhaseHold, Duration: time.Minute})
		s.Thresholds = []string{"connections == 3"}
		run, err := Run(ctx, RunConfig{Scenario: s, NewStart: fakeVUs, HTTPClient: (&fakeServer{}).client(), Segment: Segment{I: 2, N: 3}})
		require.NoError(t, err)
		assert.True(t, run.Interrupted)
		assert.Equal(t, []reports.Segment{{I: 2, N: 3}}, run.Segments)
		assert.Equal(t, 1500*time.Millisecond, run.Environment.End.Sub(run.Environment.Start))
		require.Len(t, run.Series, 2, "t=1, and the last half second as t=2")
		assert.EqualValues(t, 1, run.Series[0].Clients, "segment 2/3 of 3 clients runs one")
		assert.EqualValues(t, 1, run.Counter(threshold.MetricConnections, nil))
		require.Len(t, run.Thresholds, 2, "the scenario's and the default")
		assert.False(t, run.Thresholds[0].OK, "evaluated over the segment")
	})
}

func TestRunFailsBeforeStarting(t *testing.T) {
	t.Parallel()
	var started int
	count := func(*Env) (schedule.StartFunc, error) {
		return func(context.Context, *schedule.Start) { started++ }, nil
	}
	s := testScenario(scenarios.Phase{Kind: scenarios.PhaseSpike, Population: 3})
	tests := []struct {
		name string
		cfg  RunConfig
		want error
	}{
		{"unreachable", RunConfig{Scenario: s, NewStart: count, HTTPClient: (&fakeServer{down: true}).client()}, ErrUnreachable},
		{"no scenario", RunConfig{NewStart: count}, ErrRunConfig},
		{"bad target", RunConfig{Scenario: s, Targets: []string{"ftp://x"}, NewStart: count}, ErrRunConfig},
		{"bad setup", RunConfig{Scenario: s, NewStart: func(*Env) (schedule.StartFunc, error) { return nil, ErrSetup }, HTTPClient: (&fakeServer{}).client()}, ErrSetup},
		{"unknown phase", RunConfig{Scenario: testScenario(scenarios.Phase{Kind: "wave"}), NewStart: count}, ErrRunConfig},
		{"no secret for real clients", RunConfig{Scenario: func() *scenarios.Scenario {
			c := s.Clone()
			c.Auth.Mode = scenarios.AuthMint
			return c
		}(), HTTPClient: (&fakeServer{}).client()}, ErrNoSecret},
	}
	for _, tt := range tests {
		run, err := Run(t.Context(), tt.cfg)
		assert.ErrorIs(t, err, tt.want, tt.name)
		assert.Nil(t, run, tt.name)
	}
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	run, err := Run(canceled, RunConfig{Scenario: s, NewStart: count, HTTPClient: (&fakeServer{}).client()})
	assert.ErrorIs(t, err, context.Canceled, "interrupted before the start")
	assert.NotErrorIs(t, err, ErrUnreachable)
	assert.Nil(t, run)
	assert.Zero(t, started)
}

// A target without /metrics is run against, not scraped.
func TestRunWithoutServerMetrics(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := &fakeServer{noProm: true}
		run, err := Run(t.Context(), RunConfig{
			Scenario: testScenario(scenarios.Phase{Kind: scenarios.PhaseHold, Duration: 2 * time.Second}),
			NewStart: fakeVUs, HTTPClient: srv.client(),
		})
		require.NoError(t, err)
		require.Len(t, run.Series, 2)
		assert.Nil(t, run.Series[1].ServerRSS)
		assert.Zero(t, srv.scrapes)
	})
}

// Clients that lose their connection in one storm and come back report a
// recovery each; the storm's recovery is first loss to last return.
func TestRunRecordsRecovery(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		storms := func(env *Env) (schedule.StartFunc, error) {
			t0 := env.Start
			return func(ctx context.Context, st *schedule.Start) {
				index := st.Index
				st.Connected()
				at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
				switch index {
				case 0:
					env.OnRecovered(index, at(1000), at(1200))
				case 1:
					env.OnRecovered(index, at(1300), at(2500)) // the same storm: lost 300ms later
				case 2:
					env.OnRecovered(index, at(5000), at(5100)) // another storm
				}
				<-ctx.Done()
			}, nil
		}
		run, err := Run(t.Context(), RunConfig{
			Scenario: testScenario(scenarios.Phase{Kind: scenarios.PhaseSpike, Population: 3, Duration: time.Second}),
			NewStart: storms, HTTPClient: (&fakeServer{}).client(),
		})
		require.NoError(t, err)
		var rec *reports.HistogramRecord
		for i := range run.Histograms {
			if run.Histograms[i].Metric == threshold.MetricRecovery {
				rec = &run.Histograms[i]
			}
		}
		require.NotNil(t, rec)
		assert.EqualValues(t, 2, rec.Count)
		assert.InDelta(t, 1500, rec.Max, 2)
		assert.InDelta(t, 100, rec.Min, 1)
	})
}

func TestScenarioYAMLRoundTrips(t *testing.T) {
	t.Parallel()
	for _, name := range scenarios.BuiltinNames() {
		s, err := scenarios.Builtin(name)
		require.NoError(t, err)
		s = scenarios.Scale(s, 7, 3*time.Second)
		require.NoError(t, scenarios.Set(s, "client.reconnect.randomization", "0"))
		yml, err := scenarioYAML(s)
		require.NoError(t, err, name)
		again, err := scenarios.Load(name+".yaml", strings.NewReader(string(yml)))
		require.NoError(t, err, "%s:\n%s", name, yml)
		require.NoError(t, again.Validate(), "%s:\n%s", name, yml)
		yml2, err := scenarioYAML(again)
		require.NoError(t, err)
		assert.Equal(t, string(yml), string(yml2), name)
		assert.Equal(t, s.Phases, again.Phases, name)
		assert.Equal(t, s.Thresholds, again.Thresholds, name)
		assert.Equal(t, 0.0, *again.Client.Reconnect.Randomization, "a pointer to zero is kept")
		assert.Equal(t, s.Peak(), again.Peak(), name)
	}
	s, _ := scenarios.Builtin("room-fanout")
	yml, _ := scenarioYAML(s)
	assert.Contains(t, string(yml), "- {name: join, kind: ramp, duration: 10s, to: 1000}", "phases on one line")

	steps := `name: steps
target: {metrics: false}
auth: {mode: none}
phases: [{kind: spike, population: 2}]
flows:
  - weight: 0
    steps: [connect]
  - steps:
      - connect: {namespace: /echo}
      - emit_with_ack: {event: e, args: [0, "", {a: [1, 2]}, null], expect: {ok: true}}
      - loop: {count: 2, steps: [{think: {min: 1s, max: 2s}}, {vanish: {for: 1s}}]}
      - disconnect
      - reconnect
      - listen: {events: [x]}
`
	in, err := scenarios.Load("steps.yaml", strings.NewReader(steps))
	require.NoError(t, err)
	yml, err = scenarioYAML(in)
	require.NoError(t, err)
	again, err := scenarios.Load("steps.yaml", strings.NewReader(string(yml)))
	require.NoError(t, err, string(yml))
	assert.Contains(t, string(yml), "- disconnect\n")
	assert.Equal(t, 0, *again.Flows[0].Weight)
	assert.False(t, *again.Target.Metrics)
	assert.Equal(t, in.Flows[1].Steps[1].EmitWithAck, again.Flows[1].Steps[1].EmitWithAck)
	assert.NotNil(t, again.Flows[1].Steps[4].Reconnect)
}

// At the end of the run the clients still running are stopped one after
// the other, spread uniformly over the scenario's teardown: with 4
// clients and 2s, at 0, 0.5s, 1s and 1.5s after the phases end.
func TestRunTeardownSpreadsTheDisconnects(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := testScenario(scenarios.Phase{Kind: scenarios.PhaseConstant, Population: 4, Duration: time.Second})
		teardown := 2 * time.Second
		s.Teardown = &teardown
		var mu sync.Mutex
		stopped := map[int]time.Duration{}
		var end time.Time
		start := func(env *Env) (schedule.StartFunc, error) {
			return func(ctx context.Context, st *schedule.Start) {
				index := st.Index
				st.Connected()
				<-ctx.Done()
				mu.Lock()
				stopped[index] = time.Since(end)
				mu.Unlock()
			}, nil
		}
		go func() { // the phases' end, as Run sees it: 1s after the start
			time.Sleep(time.Second)
			mu.Lock()
			end = time.Now()
			mu.Unlock()
		}()
		run, err := Run(t.Context(), RunConfig{Scenario: s, NewStart: start, HTTPClient: (&fakeServer{}).client()})
		require.NoError(t, err)
		assert.Equal(t, time.Second, run.Environment.End.Sub(run.Environment.Start), "the record's length is the phases'")
		assert.Equal(t, map[int]time.Duration{0: 0, 1: 500 * msec, 2: time.Second, 3: 1500 * msec}, stopped)

		// teardown: 0s stops every client at once.
		zero := time.Duration(0)
		s.Teardown = &zero
		clear(stopped)
		go func() {
			time.Sleep(time.Second)
			mu.Lock()
			end = time.Now()
			mu.Unlock()
		}()
		_, err = Run(t.Context(), RunConfig{Scenario: s, NewStart: start, HTTPClient: (&fakeServer{}).client()})
		require.NoError(t, err)
		assert.Equal(t, map[int]time.Duration{0: 0, 1: 0, 2: 0, 3: 0}, stopped)
	})
}
