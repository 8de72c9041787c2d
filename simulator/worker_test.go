package simulator

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/scenarios"
)

func TestWorkers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		peak, limit int
		seg         Segment
		want        int
	}{
		{0, 0, Segment{}, 1},
		{15_000, 0, Segment{}, 1},
		{15_001, 0, Segment{}, 2},
		{50_000, 0, Segment{}, 4},
		{50_000, 20_000, Segment{}, 3},
		{50_000, 0, Segment{I: 1, N: 2}, 2}, // 25,000 for this machine
		{5, 3, Segment{}, 2},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Workers(tt.peak, tt.limit, tt.seg), "%+v", tt)
	}
}

func TestSourceLoad(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 50_000, sourceLoad(50_000, 0, 1), "one source, one target")
	assert.Equal(t, 5_556, sourceLoad(50_000, 9, 1))
	assert.Equal(t, 2_778, sourceLoad(50_000, 9, 2), "lcm(9,2) = 18 pairs")
	assert.Equal(t, 5_556, sourceLoad(50_000, 9, 3), "lcm(9,3) = 9 pairs")
	assert.LessOrEqual(t, sourceLoad(108_000, 9, 1), ClientsPerSource)
	// The bound holds for the pairs the global indexes really use.
	const peak, s, tg = 1000, 9, 6
	pairs := map[[2]int]int{}
	for i := range peak {
		pairs[[2]int{i % s, i % tg}]++
	}
	most := 0
	for _, n := range pairs {
		most = max(most, n)
	}
	assert.Equal(t, sourceLoad(peak, s, tg), most)
}

// TestWorkerProcess is the worker process of the RunWorkers tests (run by
// them as a child, skipped otherwise).
func TestWorkerProcess(t *testing.T) {
	mode := os.Getenv("STAMPEDE_TEST_WORKER")
	if mode == "" {
		t.Skip("the child of the RunWorkers tests")
	}
	var seg Segment
	fmt.Sscanf(os.Getenv("STAMPEDE_TEST_SEGMENT"), "%d/%d", &seg.I, &seg.N)
	if mode == "fail" || os.Getenv("STAMPEDE_TEST_FAIL") == fmt.Sprint(seg.I) {
		fmt.Fprintln(os.Stderr, "stampede run: could not run: target unreachable")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	hold := 1200 * time.Millisecond
	if mode == "slow" {
		hold = time.Minute
	}
	fmt.Fprintln(os.Stderr, "hello from worker")
	run, err := Run(ctx, RunConfig{
		Scenario: testScenario(scenarios.Phase{Kind: scenarios.PhaseSpike, Population: 6}, scenarios.Phase{Kind: scenarios.PhaseHold, Duration: hold}),
		Segment:  seg, NewStart: fakeVUs, HTTPClient: (&fakeServer{}).client(),
		Progress: ProgressJSON(os.Stderr),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	f, err := os.Create(os.Getenv("STAMPEDE_TEST_OUT"))
	if err == nil {
		err = reports.WriteRunJSON(f, run)
		f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(0)
}

// testWorkers runs the worker processes in mode (ok, slow, fail); the
// worker of segment failing (its I) fails whatever the mode.
func testWorkers(mode string, failing int) func(ctx context.Context, seg Segment, out string) *exec.Cmd {
	return func(ctx context.Context, seg Segment, out string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestWorkerProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), "STAMPEDE_TEST_WORKER="+mode, fmt.Sprintf("STAMPEDE_TEST_SEGMENT=%d/%d", seg.I, seg.N),
			"STAMPEDE_TEST_OUT="+out, fmt.Sprintf("STAMPEDE_TEST_FAIL=%d", failing))
		return cmd
	}
}

// lockedBuffer collects the relayed log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestRunWorkersMergesTheirRecords(t *testing.T) {
	t.Parallel()
	var log lockedBuffer
	var mu sync.Mutex
	var progress []Progress
	run, err := RunWorkers(t.Context(), WorkerConfig{
		Segments: Segment{}.Split(3), Command: testWorkers("ok", 0), Log: &log,
		Progress: func(p Progress) { mu.Lock(); progress = append(progress, p); mu.Unlock() },
	})
	require.NoError(t, err)
	assert.False(t, run.Interrupted)
	assert.Empty(t, run.Segments, "the whole run")
	assert.EqualValues(t, 6, run.Counter(threshold.MetricConnections, nil))
	require.NotEmpty(t, run.Series)
	assert.EqualValues(t, 6, run.Series[0].Clients, "clients add up over the workers")
	for i := 1; i <= 3; i++ {
		assert.Contains(t, log.String(), fmt.Sprintf("worker %d/3: hello from worker\n", i))
	}
	assert.NotContains(t, log.String(), progressPrefix, "progress lines are not logged")
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, progress)
	assert.EqualValues(t, 6, progress[len(progress)-1].Clients)
}

func TestRunWorkersFailsWhenOneCannotRun(t *testing.T) {
	t.Parallel()
	start := time.Now()
	run, err := RunWorkers(t.Context(), WorkerConfig{Segments: Segment{}.Split(3), Command: testWorkers("slow", 2)})
	require.ErrorIs(t, err, ErrWorker)
	assert.Nil(t, run)
	assert.Contains(t, err.Error(), "segment 2/3: exit status 2, no record")
	assert.Contains(t, err.Error(), "could not run: target unreachable")
	assert.Less(t, time.Since(start), 30*time.Second, "the other workers were stopped")
}

func TestRunWorkersInterrupted(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	whole := Segment{I: 2, N: 2}
	run, err := RunWorkers(ctx, WorkerConfig{Segments: whole.Split(2), Whole: whole, Command: testWorkers("slow", 0)})
	require.NoError(t, err)
	assert.True(t, run.Interrupted)
	assert.Equal(t, []reports.Segment{{I: 2, N: 2}}, run.Segments)
	assert.EqualValues(t, 3, run.Counter(threshold.MetricConnections, nil), "segment 2/2 of 6 clients: 1, 3 and 5")
}
