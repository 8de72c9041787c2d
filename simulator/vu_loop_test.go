package simulator

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// iteration is one rate-loop iteration as the loop saw it.
type iteration struct {
	k                 int
	intended, started time.Duration // from the flow's start
}

// runFlowSteps runs the steps of a one-flow scenario on a client without a
// connection (think and loop need none), inside a synctest bubble, for at
// most limit; it returns the rate-loop iterations.
func runFlowSteps(t *testing.T, yaml string, limit time.Duration) ([]iteration, *Env) {
	return runFlowStepsGrid(t, yaml, limit, -1)
}

// runFlowStepsGrid is runFlowSteps with the pacing grid fixed at grid, or
// off (-1).
func runFlowStepsGrid(t *testing.T, yaml string, limit, grid time.Duration) ([]iteration, *Env) {
	t.Helper()
	env := testEnv(t, "http://127.0.0.1:1", "auth: {mode: none}\n"+yaml)
	var mu sync.Mutex
	var its []iteration
	t0 := time.Now()
	env.Start = t0
	if grid < 0 {
		env.plan.pace.off = true // exact schedules (TestPacing has the grid)
	} else {
		env.plan.pace.grid.Store(int64(grid))
	}
	env.plan.onIteration = func(_, k int, intended, started time.Time) {
		mu.Lock()
		its = append(its, iteration{k, intended.Sub(t0), started.Sub(t0)})
		mu.Unlock()
	}
	v, ok := env.plan.newVU(0, t0)
	require.True(t, ok)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	v.runSteps(ctx, v.flow.steps)
	v.close()
	return its, env
}

const msec = time.Millisecond

// A rate loop on schedule: iteration k at k/rate exactly, none delayed or
// dropped, and the loop ends with its duration.
func TestRateLoopOnSchedule(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		its, env := runFlowSteps(t, `
flows: [{steps: [{loop: {rate: 10, duration: 1s, phase: aligned, steps: [{think: {fixed: 10ms}}]}}]}]`, time.Hour)
		require.Len(t, its, 10)
		for k, it := range its {
			assert.Equal(t, time.Duration(k)*100*msec, it.intended)
			assert.Equal(t, it.intended, it.started, "iteration %d", k)
		}
		assert.Zero(t, counterValue(env.Recorder, threshold.MetricStartsDelayed))
		assert.Zero(t, counterValue(env.Recorder, threshold.MetricStartsDropped))
	})
}

// A rate loop whose body takes longer than its period falls behind: every
// iteration still runs, late, at its intended time's place in the
// schedule (the lateness is what ack measurements add), late ones count as
// delayed, and the ones the loop's end overtook as dropped.
func TestRateLoopFallsBehind(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		its, env := runFlowSteps(t, `
flows: [{steps: [{loop: {rate: 10, duration: 1s, phase: aligned, steps: [{think: {fixed: 250ms}}]}}]}]`, time.Hour)
		want := []iteration{{0, 0, 0}, {1, 100 * msec, 250 * msec}, {2, 200 * msec, 500 * msec}, {3, 300 * msec, 750 * msec}}
		assert.Equal(t, want, its)
		assert.EqualValues(t, 3, counterValue(env.Recorder, threshold.MetricStartsDelayed))
		assert.EqualValues(t, 6, counterValue(env.Recorder, threshold.MetricStartsDropped), "10 intended in 1s, 4 started")
	})
}

// count and rate together: the first limit wins; a rate alone lasts until
// the run's end, when the iterations due and not started are dropped.
func TestRateLoopLimits(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		its, _ := runFlowSteps(t, `
flows: [{steps: [{loop: {rate: 100, count: 3, steps: [{think: {fixed: 1ms}}]}}]}]`, time.Hour)
		assert.Len(t, its, 3)

		its, env := runFlowSteps(t, `
flows: [{steps: [{loop: {rate: 2, phase: aligned, steps: [{think: {fixed: 1100ms}}]}}]}]`, 3*time.Second)
		assert.Len(t, its, 3, "started at 0, 1.1s, 2.2s")
		assert.EqualValues(t, 3, counterValue(env.Recorder, threshold.MetricStartsDropped), "due by 3s: 0, 0.5, …, 2.5 (6), started 3")
	})
}

// Nested loops: the inner loop's iterations and the template's .Iteration
// are the innermost; the outer one's come back after it.
func TestNestedLoopsAndCount(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		_, _ = runFlowSteps(t, `
flows: [{steps: [{loop: {count: 3, steps: [{loop: {count: 2, steps: [{think: {fixed: 100ms}}]}}]}}]}]`, time.Hour)
		assert.Equal(t, 600*msec, time.Since(start))
	})
}

// think: fixed, min–max (uniform, from the client's seeded source: the
// same in every run), and until (a point of the run's timeline).
func TestThink(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		runFlowSteps(t, `flows: [{steps: [{think: {fixed: 300ms}}]}]`, time.Hour)
		assert.Equal(t, 300*msec, time.Since(start))

		start = time.Now()
		runFlowSteps(t, `flows: [{steps: [{think: {until: 2s}}]}]`, time.Hour)
		assert.Equal(t, 2*time.Second, time.Since(start), "until counts from Env.Start")

		var took [2]time.Duration
		for i := range took {
			start = time.Now()
			runFlowSteps(t, `flows: [{steps: [{think: {min: 100ms, max: 900ms}}]}]`, time.Hour)
			took[i] = time.Since(start)
			assert.True(t, took[i] >= 100*msec && took[i] <= 900*msec, "%v", took[i])
		}
		assert.Equal(t, took[0], took[1], "seeded per client index")
	})
}

// The run's end stops a flow in the middle of a think or a loop.
func TestStepsStopWithTheRun(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		runFlowSteps(t, `flows: [{steps: [{think: {fixed: 1h}}, {think: {fixed: 1h}}]}]`, 5*time.Second)
		assert.Equal(t, 5*time.Second, time.Since(start))
	})
}

// Flows are picked by weight with each client's seeded source: the same
// index gets the same flow in every run (and every process), and the
// shares follow the weights.
func TestFlowPickIsSeededAndWeighted(t *testing.T) {
	t.Parallel()
	yaml := "auth: {mode: none}\nflows: [{name: a, weight: 1, steps: [connect]}, {name: b, weight: 3, steps: [connect]}, {name: off, weight: 0, steps: [connect]}]"
	pick := func(env *Env, i int) string {
		v, ok := env.plan.newVU(i, time.Now())
		require.True(t, ok)
		return v.flow.name
	}
	e1, e2 := testEnv(t, "http://127.0.0.1:1", yaml), testEnv(t, "http://127.0.0.1:1", yaml)
	counts := map[string]int{}
	for i := range 4000 {
		f := pick(e1, i)
		counts[f]++
		assert.Equal(t, f, pick(e2, i), "index %d", i)
	}
	assert.Zero(t, counts["off"])
	assert.InDelta(t, 3000, counts["b"], 150)
	e3 := testEnv(t, "http://127.0.0.1:1", yaml)
	e3.Seed = 7
	differ := 0
	for i := range 100 {
		if pick(e3, i) != pick(e1, i) {
			differ++
		}
	}
	assert.NotZero(t, differ, "another seed, other picks")
}

// auth.user names each client's user; the token carries it.
func TestAuthUserTemplate(t *testing.T) {
	t.Parallel()
	env := testEnv(t, "http://127.0.0.1:1", `auth: {user: 'u{{printf "%06d" (add (mod .Index 3) 2)}}'}
flows: [{steps: [connect]}]`)
	for i, want := range []string{"u000002", "u000003", "u000004", "u000002"} {
		v, ok := env.plan.newVU(i, time.Now())
		require.True(t, ok)
		assert.Equal(t, want, v.td.User)
		assert.Equal(t, 2, strings.Count(v.token, "."), "a JWT")
	}
}

// loopPhases runs clients 0 … n-1 of a flow with one rate loop, one after
// the other in a synctest bubble, and returns where each client's first
// iteration was intended, from the moment its loop started.
func loopPhases(t *testing.T, yaml string, seed uint64, n int) []time.Duration {
	t.Helper()
	env := testEnv(t, "http://127.0.0.1:1", "auth: {mode: none}\n"+yaml)
	env.Seed = seed
	env.plan.pace.off = true // the phases themselves (TestPacing has the grid)
	var out []time.Duration
	var loopStart time.Time
	env.plan.onIteration = func(_, k int, intended, _ time.Time) {
		if k == 0 {
			out = append(out, intended.Sub(loopStart))
		}
	}
	for i := range n {
		v, ok := env.plan.newVU(i, time.Now())
		require.True(t, ok)
		loopStart = time.Now()
		v.runSteps(t.Context(), v.flow.steps)
		v.close()
	}
	require.Len(t, out, n)
	return out
}

// A rate loop starts at a random phase per client by default: uniform in
// one period, from the client's seeded source (the same seed, the same
// phases); phase: aligned starts every client's loop at once.
func TestRateLoopPhase(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const random = `flows: [{steps: [{loop: {rate: 10, count: 1, steps: [{think: {fixed: 1ms}}]}}]}]`
		phases := loopPhases(t, random, 7, 40)
		distinct := map[time.Duration]bool{}
		var early, late int
		for i, p := range phases {
			assert.GreaterOrEqual(t, p, time.Duration(0), "client %d", i)
			assert.Less(t, p, 100*msec, "client %d: within one period", i)
			distinct[p] = true
			if p < 50*msec {
				early++
			} else {
				late++
			}
		}
		assert.Greater(t, len(distinct), 35, "spread over the period: %v", phases)
		assert.Positive(t, early, "both halves of the period: %v", phases)
		assert.Positive(t, late, "both halves of the period: %v", phases)
		assert.Equal(t, phases, loopPhases(t, random, 7, 40), "reproducible with the seed")
		assert.NotEqual(t, phases, loopPhases(t, random, 8, 40), "another seed, other phases")

		aligned := loopPhases(t, strings.Replace(random, "count: 1,", "count: 1, phase: aligned,", 1), 7, 5)
		assert.Equal(t, make([]time.Duration, 5), aligned, "aligned: every loop at its start")
	})
}

// The pacing grid (issue 16) is sized from the last second's iterations so
// that about pacingBatch fall on each line, within [pacingMinGrid,
// pacingMaxGrid] and a quarter of the loop's period; an intended time is
// rounded up to it, never down, and left alone without a grid.
func TestPacing(t *testing.T) {
	t.Parallel()
	var pc pacing
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	at := t0.Add(1234567 * time.Nanosecond)
	// onLine checks that x went to the first line of grid g at or after it.
	onLine := func(x time.Time, rate float64, g time.Duration, msg string) {
		t.Helper()
		got := pc.onGrid(x, rate)
		assert.Equal(t, got, got.Truncate(g), "%s: on a line of %v", msg, g)
		assert.False(t, got.Before(x), "%s: never early", msg)
		assert.Less(t, got.Sub(x), g, "%s: by less than a line", msg)
	}
	assert.Equal(t, at, pc.onGrid(at, 1), "no grid before a second of iterations")
	burst := func(start time.Time, n int) {
		for i := range n {
			pc.count(start.Add(time.Duration(i) * time.Second / time.Duration(n)))
		}
	}
	burst(t0, 1000)
	pc.count(t0.Add(time.Second))
	assert.Equal(t, 16*time.Millisecond, time.Duration(pc.grid.Load()), "1,000/s: 16 per line")
	onLine(at, 1, 16*time.Millisecond, "1/s")
	line := pc.onGrid(at, 1)
	assert.Equal(t, line, pc.onGrid(line, 1), "on a line: unchanged")
	onLine(at, 25, 10*time.Millisecond, "at most a quarter of a 40 ms period")
	assert.Equal(t, at, pc.onGrid(at, 500), "a quarter of a 2 ms period is below a millisecond: none")

	burst(t0.Add(time.Second), 40_000)
	pc.count(t0.Add(2 * time.Second))
	assert.Equal(t, at, pc.onGrid(at, 1), "40,000/s: the line would be under a millisecond, none")

	burst(t0.Add(2*time.Second), 10)
	pc.count(t0.Add(3 * time.Second))
	assert.Equal(t, pacingMaxGrid, time.Duration(pc.grid.Load()), "10/s: the coarsest grid")
	for i := range 100 {
		onLine(t0.Add(time.Duration(i)*777*time.Microsecond), 1, pacingMaxGrid, "10/s")
	}
}

// A paced loop's iterations are intended on the grid's lines, at or after
// their own times, one period apart on average; phase: exact keeps them at
// their own times.
func TestRateLoopOnGrid(t *testing.T) {
	t.Parallel()
	const grid = 20 * time.Millisecond
	synctest.Test(t, func(t *testing.T) {
		const flow = `flows: [{steps: [{loop: {rate: 10, count: 20, steps: [{think: {fixed: 1ms}}]}}]}]`
		t0 := time.Now()
		its, _ := runFlowStepsGrid(t, flow, time.Hour, grid)
		require.Len(t, its, 20)
		for _, it := range its {
			at := t0.Add(it.intended)
			assert.Equal(t, at, at.Truncate(grid), "iteration %d on a line", it.k)
			assert.Equal(t, it.intended, it.started, "iteration %d started on time", it.k)
		}
		span := its[19].intended - its[0].intended
		assert.InDelta(t, float64(1900*msec), float64(span), float64(grid), "the rate kept")

		t1 := time.Now()
		its, _ = runFlowStepsGrid(t, strings.Replace(flow, "count: 20,", "count: 20, phase: exact,", 1), time.Hour, grid)
		require.Len(t, its, 20)
		first := t1.Add(its[0].intended)
		assert.NotEqual(t, first, first.Truncate(grid), "exact: the random phase itself, off the lines")
		for k := 1; k < 20; k++ {
			assert.Equal(t, 100*msec, its[k].intended-its[k-1].intended, "exact: one period apart")
		}
	})
}
