//go:build linux

package simulator

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator/schedule"
)

// cpuTime is the process's user+system CPU time so far (getrusage).
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rss is the process's resident set size (/proc/self/status VmRSS).
func rss(tb testing.TB) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	tb.Fatal("no VmRSS")
	return 0
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// serveChild runs `stampede serve` as a child process (built once into a
// temporary directory), so that what this process measures is the
// clients' only; it returns the server's base URL.
func serveChild(tb testing.TB, args ...string) string {
	tb.Helper()
	url, _ := serveChildCmd(tb, args...)
	return url
}

// serveChildCmd is serveChild, with the child's command (for its CPU time).
func serveChildCmd(tb testing.TB, args ...string) (string, *exec.Cmd) {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stampede-vu-bench")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "stampede")
		if out, err := exec.Command("go", "build", "-o", binPath, "github.com/stampede-sio/stampede/cmd/stampede").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Skip(buildErr)
	}
	cmd := exec.Command(binPath, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "error", "--secret", testSecret}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := regexp.MustCompile(`ready on (http://[^/\s]+)/`).FindStringSubmatch(line)
	if err != nil || m == nil {
		tb.Fatalf("no ready line from stampede serve: %q %v", line, err)
	}
	return m[1], cmd
}

// childCPU is a child process's user+system CPU time so far
// (/proc/PID/stat, in clock ticks of 10ms).
func childCPU(tb testing.TB, cmd *exec.Cmd) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// benchEmitWithAck measures the emit_with_ack hot path of virtual clients
// (render, send, wait for the ack, record, check expect) against target's
// /echo: b.N acked emits shared by n connected clients, each one at a time.
func benchEmitWithAck(b *testing.B, target string, n int, unit string) {
	env := testEnv(b, target, echoClient+`
flows: [{steps: [{emit_with_ack: {event: message-with-ack, args: [{text: hello, n: 1}], expect: {text: hello}}}]}]`)
	ctx := context.Background()
	vus := make([]*vu, n)
	for i := range vus {
		v, ok := env.plan.newVU(i, time.Now())
		if !ok || !v.connect(ctx) {
			b.Fatal("not connected")
		}
		defer v.close()
		vus[i] = v
	}
	ep := vus[0].flow.steps[0].emit
	run := func(total int) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for _, v := range vus {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(total) {
					v.emitWithAck(ctx, ep)
				}
			}()
		}
		wg.Wait()
	}
	run(100 * n) // warm up: pools, stacks, the connections' buffers
	runtime.GC()
	cpu0 := cpuTime(b)
	b.ReportAllocs()
	b.ResetTimer()
	run(b.N)
	b.StopTimer()
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), unit)
	if n := errorsOf(env.Recorder, errExpect) + errorsOf(env.Recorder, errAckTimeout); n > 0 {
		b.Fatalf("%d failed acks", n)
	}
}

// BenchmarkVUEmitWithAck: one virtual client against an in-process
// refserver's echo namespace; cpu-ns/ack is this process's CPU per acked
// emit, client and server together.
func BenchmarkVUEmitWithAck(b *testing.B) {
	rt := startRef(b, refserver.Config{})
	benchEmitWithAck(b, rt.url, 1, "cpu-ns/ack")
}

// BenchmarkVUEmitWithAckClientCPU: against a `stampede serve` child
// process, so that client-cpu-ns/ack is the clients' CPU alone (the goal:
// ≤ 10 µs per acked emit), with one client (every ack a lone round trip:
// the kernel's wake-ups dominate), with 100 (a loaded generator, where the
// runtime's network poller batches them) and with 1,000 (more connections
// than the caches hold).
func BenchmarkVUEmitWithAckClientCPU(b *testing.B) {
	target := serveChild(b)
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			benchEmitWithAck(b, target, n, "client-cpu-ns/ack")
		})
	}
}

// BenchmarkVUMemory connects N virtual clients (the open-webui startup:
// token, user-join, then heartbeats every second) to a `stampede serve`
// child process, on top of 100 warm-up clients, waits until every one has
// heartbeaten at least twice, and reports what the N cost this process:
// KiB/client is the RSS growth after a GC (the goal: ≤ 12 KiB),
// heap-KiB/client and stack-KiB/client the runtime's view,
// goroutines/client the goroutine count. N defaults to 2000
// (STAMPEDE_BENCH_CLIENTS overrides). It ignores b.N: one run takes
// seconds, so the default -benchtime runs it once (as -benchtime 1x does).
// STAMPEDE_BENCH_PARK=1 runs the clients with client.park_idle.
func BenchmarkVUMemory(b *testing.B) {
	n := 2000
	if s := os.Getenv("STAMPEDE_BENCH_CLIENTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			b.Fatalf("STAMPEDE_BENCH_CLIENTS=%q", s)
		}
	}
	if os.Getenv("STAMPEDE_BENCH_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 256 // fine enough to see every per-client allocation
	}
	target := serveChild(b)
	park := os.Getenv("STAMPEDE_BENCH_PARK") == "1" // client.park_idle
	env := testEnv(b, target, `
client: {heartbeat: 1s, park_idle: `+strconv.FormatBool(park)+`}
auth: {user: 'u{{printf "%06d" (add (mod .Index 19000) 2)}}'}
flows: [{steps: [connect]}]`)
	rec := env.Recorder
	settle := func() {
		for range 3 {
			runtime.GC()
		}
		debug.FreeOSMemory()
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64) // dials in flight, like a spike's max_in_flight
	start := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sem <- struct{}{}
			wg.Add(1)
			go func() { // as the executors start clients: they may park
				s := schedule.NewStart(i, time.Now(), sync.OnceFunc(func() { <-sem }), wg.Done)
				env.StartVU(ctx, s)
				if !s.Detached() {
					wg.Done()
				}
			}()
		}
		deadline := time.Now().Add(2 * time.Minute)
		for joined := int64(0); joined < int64(hi); joined = counterValue(rec, threshold.MetricMessagesReceived, "event", "user-join") {
			if time.Now().After(deadline) {
				b.Fatalf("only %d of %d clients joined", joined, hi)
			}
			time.Sleep(10 * time.Millisecond)
		}
		sent := counterValue(rec, threshold.MetricMessagesSent, "event", "heartbeat")
		for counterValue(rec, threshold.MetricMessagesSent, "event", "heartbeat") < sent+2*int64(hi) {
			time.Sleep(50 * time.Millisecond)
		}
	}
	// The baseline has warm-up clients connected: what every run holds
	// once (the timers' histograms, the HTTP client's idle connections,
	// the heartbeat workers, pools) is not a per-client cost.
	const warm = 100
	start(0, warm)
	settle()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	rss0, g0 := rss(b), runtime.NumGoroutine()
	start(warm, warm+n)
	settle()
	runtime.ReadMemStats(&ms1)
	rss1, g1 := rss(b), runtime.NumGoroutine()
	if path := os.Getenv("STAMPEDE_BENCH_HEAPPROFILE"); path != "" { // what the clients hold, for pprof
		if f, err := os.Create(path); err == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}
	if e := counterValue(rec, threshold.MetricReconnects); e > 0 {
		b.Errorf("%d reconnects", e)
	}
	cancel()
	wg.Wait()
	per := func(d uint64) float64 { return float64(int64(d)) / float64(n) / 1024 }
	b.ReportMetric(float64(rss1-rss0)/float64(n)/1024, "KiB/client")
	b.ReportMetric(per(ms1.HeapInuse-ms0.HeapInuse), "heap-KiB/client")
	b.ReportMetric(per(ms1.StackInuse-ms0.StackInuse), "stack-KiB/client")
	b.ReportMetric(float64(g1-g0)/float64(n), "goroutines/client")
}

// BenchmarkVUConnect measures what one virtual client's startup costs, as
// in bench/capacity-50k.yaml (CLIENT-1 over websocket: dial, Engine.IO
// open, CONNECT with a minted token, GET /api/version, user-join and its
// ack, then parked in a listen with a heartbeat every 10s), against a
// `stampede serve` child process: b.N clients started as a spike phase
// starts them (tokens minted beforehand, 64 connecting at a time).
// client-µs/connect is this process's CPU per client, server-µs/connect
// the child's, connects/s the rate reached on this machine with both on
// it. STAMPEDE_BENCH_SERVE_ARGS adds flags to the child (--debug-addr ADDR
// to profile it).
func BenchmarkVUConnect(b *testing.B) {
	args := []string{"--users", "60000"}
	if extra := os.Getenv("STAMPEDE_BENCH_SERVE_ARGS"); extra != "" { // e.g. --debug-addr, to profile it
		args = append(args, strings.Fields(extra)...)
	}
	target, cmd := serveChildCmd(b, args...)
	env := testEnv(b, target, `
client: {heartbeat: 10s`+os.Getenv("STAMPEDE_BENCH_CLIENT")+`}
auth: {user: 'u{{printf "%06d" (add (mod .Index 59000) 2)}}'}
flows: [{steps: [{listen: {events: [events]}}]}]`)
	rec := env.Recorder
	require.NoError(b, env.Premint(b.Context(), 100+b.N)) // as Run does before its clock starts
	ctx, cancel := context.WithCancel(context.Background())
	pop := schedule.New(ctx, schedule.Config{Start: env.StartVU, Recorder: rec})
	started := 0
	connect := func(n int) { // a spike phase
		require.NoError(b, pop.Run(ctx, []scenarios.Phase{{Kind: scenarios.PhaseSpike, Population: n, MaxInFlight: 64}}, time.Now()))
		started += n
		for counterValue(rec, threshold.MetricMessagesReceived, "event", "user-join") < int64(started) {
			time.Sleep(time.Millisecond)
		}
	}
	connect(100) // warm up: the server's and the client's pools, /api/config
	runtime.GC()
	cpu0, srv0, t0 := cpuTime(b), childCPU(b, cmd), time.Now()
	b.ResetTimer()
	connect(b.N)
	b.StopTimer()
	cpu1, srv1, took := cpuTime(b), childCPU(b, cmd), time.Since(t0)
	cancel()
	pop.Wait(time.Minute)
	for _, c := range rec.Snapshot().Counters {
		if (c.Metric == threshold.MetricErrors || c.Metric == threshold.MetricReconnects) && c.Value > 0 {
			b.Errorf("%s%v: %d", c.Metric, c.Tags, c.Value)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(cpu1-cpu0)/n/1e3, "client-µs/connect")
	b.ReportMetric(float64(srv1-srv0)/n/1e3, "server-µs/connect")
	b.ReportMetric(n/took.Seconds(), "connects/s")
}
