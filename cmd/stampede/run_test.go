package main

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/test/leakcheck"
	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/simulator"
)

func TestRunBadInputExits2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		message string
	}{
		{nil, "want one scenario"},
		{[]string{"echo-baseline", "connect-storm"}, "want one scenario"},
		{[]string{"no-such-builtin"}, "no-such-builtin"},
		{[]string{"echo-baseline", "--vus", "-1"}, "--vus -1"},
		{[]string{"echo-baseline", "--duration", "-1s"}, "--duration -1s"},
		{[]string{"echo-baseline", "--segment", "0/2"}, `--segment "0/2"`},
		{[]string{"echo-baseline", "--segment", "3/2"}, `--segment "3/2"`},
		{[]string{"echo-baseline", "--segment", "half"}, `--segment "half"`},
		{[]string{"echo-baseline", "--clients-per-worker", "0"}, "--clients-per-worker 0"},
		{[]string{"echo-baseline", "--worker"}, "--worker needs --out"},
		{[]string{"echo-baseline", "--set", "phases.0.kind=wave"}, "wave"},
		{[]string{"echo-baseline", "--set", "nope"}, "want key=value"},
		{[]string{"echo-baseline", "--target", "ftp://x"}, "ftp://x"},
		{[]string{"echo-baseline", "--bogus"}, "bogus"},
		{[]string{"echo-baseline", "--debug-addr", "127.0.0.1:x"}, "--debug-addr"},
		// Nothing listens on port 1: unreachable before the start.
		{[]string{"echo-baseline", "--target", "http://127.0.0.1:1", "--duration", "1s"}, "target unreachable"},
	}
	for _, tt := range tests {
		e, out, errb := testEnv(nil)
		code := runCmd(t.Context(), e, "run", tt.args)
		assert.Equal(t, exitUsage, code, "args %v: %s", tt.args, errb.String())
		assert.Contains(t, errb.String(), tt.message, "args %v", tt.args)
		assert.Empty(t, out.String(), "args %v", tt.args)
	}
}

func TestRunHelp(t *testing.T) {
	t.Parallel()
	e, out, _ := testEnv(nil)
	assert.Equal(t, exitOK, runCmd(t.Context(), e, "run", []string{"--help"}))
	assert.Contains(t, out.String(), "--clients-per-worker")
	assert.NotContains(t, out.String(), "--worker ", "hidden")
}

// A scenario that mints tokens needs a secret: exit 2 with the way to give one.
func TestRunWithoutSecretExits2(t *testing.T) {
	t.Parallel()
	hs := refServer(t)
	e, _, errb := testEnv(map[string]string{"STAMPEDE_SECRET_FILE": filepath.Join(t.TempDir(), "none")})
	code := runCmd(t.Context(), e, "run", []string{"connect-storm", "--target", hs.URL, "--vus", "2", "--duration", "1s"})
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errb.String(), "no secret")
	assert.Contains(t, errb.String(), "--secret")
}

func TestParseSegment(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]simulator.Segment{"": {}, "1/1": {I: 1, N: 1}, "2/3": {I: 2, N: 3}} {
		got, err := parseSegment(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"0/1", "2/1", "1/0", "1", "a/b", "-1/2"} {
		_, err := parseSegment(in)
		assert.Error(t, err, in)
	}
}

// refServer serves a refserver on httptest until the test ends.
func refServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv, err := refserver.New(refserver.Config{Secret: []byte("run-test-secret")})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
		client.CloseIdleConnections()
	})
	return hs
}

// The built-in echo baseline, shrunk, against an in-process refserver:
// thresholds hold, the summary is printed, the record written. Not
// parallel, so that the goroutine check sees this run alone.
func TestRunEchoBaselineEndToEnd(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before, leakcheck.IgnoreParker) }) // after the server's cleanup
	hs := refServer(t)
	out := filepath.Join(t.TempDir(), "results", "echo.json")
	e, stdout, errb := testEnv(nil)
	code := runCmd(t.Context(), e, "run", []string{"echo-baseline", "--vus", "5", "--duration", "3s", "--target", hs.URL, "--out", out, "--progress"})
	require.Equal(t, exitOK, code, "stderr: %s\nstdout: %s", errb.String(), stdout.String())
	assert.Contains(t, stdout.String(), "stampede run echo-baseline: "+hs.URL)
	assert.Contains(t, errb.String(), "clients 5", "the live progress")

	rec := readRunFile(t, out)
	assert.Equal(t, "echo-baseline", rec.Scenario)
	assert.Len(t, rec.Series, 3, "one point per second")
	assert.EqualValues(t, 5, rec.Counter(threshold.MetricConnections, nil))
	require.NotEmpty(t, rec.Thresholds)
	for _, th := range rec.Thresholds {
		assert.True(t, th.OK, "%+v", th)
	}
	assert.NotNil(t, rec.Series[2].ServerRSS, "the refserver's /metrics was scraped")
}

// A run over the per-process limit is split over worker processes (this
// test binary, in TestRunWorkerProcess) whose records are merged.
func TestRunSplitsOverWorkers(t *testing.T) {
	restore := workerExecutable
	workerExecutable = func() (string, []string, []string, error) {
		return os.Args[0], []string{"-test.run=^TestRunWorkerProcess$", "-test.count=1", "--"}, []string{"STAMPEDE_TEST_RUN_WORKER=1"}, nil
	}
	defer func() { workerExecutable = restore }()
	hs := refServer(t)
	out := filepath.Join(t.TempDir(), "split.json")
	e, stdout, errb := testEnv(nil)
	debug := freeAddrs(t, 2)              // the parent and its two workers
	workerCmdline := make(chan string, 1) // worker 2's, from its --debug-addr
	go func() {
		for range 100 {
			if resp, err := http.Get("http://" + workerDebugAddr(debug, 2) + "/debug/pprof/cmdline"); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				workerCmdline <- string(b)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		workerCmdline <- ""
	}()
	code := runCmd(t.Context(), e, "run", []string{"echo-baseline", "--vus", "5", "--duration", "3s", "--target", hs.URL,
		"--clients-per-worker", "3", "--out", out, "--quiet", "--debug-addr", debug})
	require.Equal(t, exitOK, code, "stderr: %s", errb.String())
	assert.Empty(t, stdout.String(), "--quiet")
	assert.Contains(t, <-workerCmdline, "2/2", "worker 2 serves its profiles on the port 2 above --debug-addr")

	rec := readRunFile(t, out)
	assert.Empty(t, rec.Segments, "the merged record is the whole run")
	assert.EqualValues(t, 5, rec.Counter(threshold.MetricConnections, nil), "2 workers, 5 clients")
	assert.NotEmpty(t, rec.Series)
	for _, th := range rec.Thresholds {
		assert.True(t, th.OK, "%+v", th)
	}
}

// freeAddrs returns a loopback address whose port and the n ports above
// were free a moment ago. The ports are taken below the ephemeral range
// (32768 and up), where outgoing connections cannot take them meanwhile.
func freeAddrs(t *testing.T, n int) string {
	for range 100 {
		port := 20000 + rand.IntN(12000)
		free := true
		for i := 0; i <= n && free; i++ {
			ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+i)))
			if free = err == nil; free {
				ln.Close()
			}
		}
		if free {
			return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		}
	}
	t.Fatal("no free ports")
	return ""
}

func TestWorkerDebugAddr(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "127.0.0.1:6062", workerDebugAddr("127.0.0.1:6060", 2))
	assert.Equal(t, "[::1]:7001", workerDebugAddr("[::1]:7000", 1))
	assert.Equal(t, "127.0.0.1:0", workerDebugAddr("127.0.0.1:0", 3), "port 0: any")
	assert.Equal(t, "nonsense", workerDebugAddr("nonsense", 1))
}

// TestRunWorkerProcess is a worker process of TestRunSplitsOverWorkers
// (skipped otherwise): `stampede run` with the arguments after --.
func TestRunWorkerProcess(t *testing.T) {
	if os.Getenv("STAMPEDE_TEST_RUN_WORKER") == "" {
		t.Skip("a child of TestRunSplitsOverWorkers")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	require.Equal(t, "run", args[0])
	os.Exit(run(ctx, env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, args))
}

// An interrupted run exits 3 and still writes its partial record.
func TestRunInterruptedExits3(t *testing.T) {
	t.Parallel()
	hs := refServer(t)
	out := filepath.Join(t.TempDir(), "partial.json")
	ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel()
	e, stdout, errb := testEnv(nil)
	code := runCmd(ctx, e, "run", []string{"echo-baseline", "--vus", "3", "--duration", "1m", "--target", hs.URL, "--out", out})
	require.Equal(t, exitInterrupted, code, "stderr: %s", errb.String())
	assert.Contains(t, stdout.String(), "INTERRUPTED")
	assert.True(t, readRunFile(t, out).Interrupted)
}

func readRunFile(t *testing.T, path string) *reports.Run {
	t.Helper()
	rec, err := reports.ReadRunFile(path)
	require.NoError(t, err)
	return rec
}

// dropsScenario has every client drop 49 of the 50 iterations of its rate
// loop (the first lasts past the loop's end), deterministically.
const dropsScenario = `name: drops
target: {namespace: /echo}
auth: {mode: none}
client: {user_join: false, fetch_config: false, heartbeat: -1s}
phases:
  - {name: hold, kind: constant, population: 2, duration: 2s}
flows:
  - steps:
      - loop:
          rate: 50
          duration: 1s
          steps:
            - think: {fixed: 1500ms}
`

// Dropped starts fail a run whose scenario does not tolerate them
// (starts_dropped == 0 by default), and pass one that does.
func TestRunDroppedStartsFail(t *testing.T) {
	t.Parallel()
	hs := refServer(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name, thresholds string
		code             int
	}{
		{"default", "", exitFailed},
		{"tolerated", "thresholds: ['starts_dropped < 100%']\n", exitOK},
	} {
		file := filepath.Join(dir, tc.name+".yaml")
		require.NoError(t, os.WriteFile(file, []byte(dropsScenario+tc.thresholds), 0o644))
		out := filepath.Join(dir, tc.name+".json")
		e, stdout, errb := testEnv(nil)
		code := runCmd(t.Context(), e, "run", []string{file, "--target", hs.URL, "--out", out})
		require.Equal(t, tc.code, code, "%s: stderr: %s\nstdout: %s", tc.name, errb.String(), stdout.String())
		assert.True(t, strings.HasPrefix(stdout.String(), "DROPPED STARTS: 98 of 100 intended starts"), "%s: the summary leads with them:\n%s", tc.name, stdout.String())
		rec := readRunFile(t, out)
		assert.EqualValues(t, 98, rec.Counter(threshold.MetricStartsDropped, nil))
		require.NotEmpty(t, rec.Thresholds)
		last := rec.Thresholds[len(rec.Thresholds)-1]
		assert.Equal(t, tc.code == exitOK, last.OK, "%+v", last)
	}
}
