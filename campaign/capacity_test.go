package campaign

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/stampede-sio/stampede/reports"
)

// judge: a generator that dropped starts or lagged past MaxLag saturated;
// otherwise the SLOs decide, over the hold phase's latencies.
func TestJudge(t *testing.T) {
	t.Parallel()
	s := &search{cfg: CapacityConfig{MaxLag: 50 * time.Millisecond, SLOs: []string{"connections >= 0"}}, ctx: context.Background()}
	for _, tc := range []struct {
		name      string
		gen       reports.Generator
		saturated bool
	}{
		{"dropped starts", reports.Generator{StartsDropped: 3, LagP99: 1}, true},
		{"lag", reports.Generator{LagP99: 51}, true},
		{"on time", reports.Generator{LagP99: 49}, false},
	} {
		step := &reports.CapacityStep{}
		rec := &reports.Run{Generator: tc.gen, Server: &reports.Server{Processes: 3, Watched: 1}}
		s.judge(step, &Result{Record: rec, Figures: Figures{Values: map[string]float64{}}})
		assert.Equal(t, tc.saturated, step.Saturated, tc.name)
		assert.Equal(t, [2]int{3, 1}, [2]int{step.Processes, step.Watched}, "the step keeps whose server figures they are")
		if !tc.saturated {
			assert.False(t, step.Held, "no client connected: nothing held")
			assert.Len(t, step.SLOs, 1)
		}
	}
}

func TestCapacityConfigErrors(t *testing.T) {
	t.Parallel()
	r := &Runner{Prepare: prepareBuiltin("room-fanout", 10, time.Second)}
	for _, tc := range []struct {
		name string
		cfg  CapacityConfig
		want string
	}{
		{"no slo", CapacityConfig{Runner: r, Min: 1, Max: 2}, "no SLO"},
		{"bad slo", CapacityConfig{Runner: r, Min: 1, Max: 2, SLOs: []string{"push_p99 <"}}, `--slo "push_p99 <"`},
		{"range", CapacityConfig{Runner: r, Min: 5, Max: 2, SLOs: []string{"error_rate < 1%"}}, "want 1 ≤ min ≤ max"},
		{"by", CapacityConfig{Runner: r, Min: 1, Max: 2, SLOs: []string{"error_rate < 1%"}, By: "bytes"}, `by "bytes"`},
		{"rate without arrival", CapacityConfig{Runner: r, Min: 1, Max: 2, SLOs: []string{"error_rate < 1%"}, By: reports.ByRate}, "needs a scenario with an arrival phase"},
	} {
		_, err := Capacity(context.Background(), tc.cfg)
		assert.ErrorIs(t, err, ErrCapacity, tc.name)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
}

func TestHoldView(t *testing.T) {
	t.Parallel()
	whole := []reports.HistogramRecord{{Metric: "ack"}}
	hold := []reports.HistogramRecord{{Metric: "push"}}
	rec := &reports.Run{Histograms: whole, Phases: []reports.PhaseRecord{
		{Name: "join", Histograms: []reports.HistogramRecord{{Metric: "user_join"}}}, {Name: "typing", Histograms: hold},
		{Name: reports.TeardownPhase, Histograms: []reports.HistogramRecord{{Metric: "x"}}}}}
	assert.Equal(t, hold, HoldView(rec).Histograms, "the last phase before the teardown")
	assert.Equal(t, whole, rec.Histograms, "the record itself is left alone")
	noPhases := &reports.Run{Histograms: whole}
	assert.Same(t, noPhases, HoldView(noPhases), "without phases, the whole run")
}
