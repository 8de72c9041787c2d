package loadbench

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkFanoutRate offers room fan-out at stepped rates and reports,
// for each, the deliveries per second achieved and the latency from a
// shout's send to each member's receipt (p50, p99): the figure a chat
// room's users feel. Every session is in the room; shouts are spread
// evenly over each second from rotating members (not phase-locked).
// STAMPEDE_BENCH_RATES lists the offered deliveries per second
// (default 20000,40000,80000,160000); STAMPEDE_BENCH_STEP is each step's
// length (default 3s). Run it with -benchtime 1x.
func BenchmarkFanoutRate(b *testing.B) {
	rates := envInts(b, "STAMPEDE_BENCH_RATES", []int{20000, 40000, 80000, 160000})
	step := 3 * time.Second
	if s := os.Getenv("STAMPEDE_BENCH_STEP"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			b.Fatalf("STAMPEDE_BENCH_STEP=%q: want a duration", s)
		}
		step = d
	}
	srv, clients := joinedRoom(b)
	for _, rate := range rates {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) {
			for b.Loop() {
				fanoutStep(b, srv, clients, rate, step)
			}
		})
	}
}

// fanoutStep offers rate deliveries per second for d, waits (at most 15 s)
// for what was sent to arrive, and reports.
func fanoutStep(b *testing.B, srv *server, clients []*client, rate int, d time.Duration) {
	n := len(clients)
	for _, c := range clients {
		c.latMu.Lock()
		c.lat = c.lat[:0]
		c.latMu.Unlock()
	}
	base := clients[0].received.Load()
	for _, c := range clients[1:] {
		base = min(base, c.received.Load())
	}
	interval := time.Duration(float64(time.Second) * float64(n) / float64(rate))
	cpu0, cpuOK := srv.cpuSeconds()
	start := time.Now()
	shouts := 0
	for next := start; next.Sub(start) < d; next = next.Add(interval) {
		time.Sleep(time.Until(next))
		msg := "42" + target.nsp + `["shout","bench",{"t":` + strconv.FormatInt(time.Now().UnixMicro(), 10) + `}]`
		if err := clients[shouts%n].write(msg); err != nil {
			b.Fatal(err)
		}
		shouts++
	}
	deadline := time.Now().Add(15 * time.Second)
	for !allReceived(clients, base+int64(shouts)) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	var lat []int64
	for _, c := range clients {
		c.latMu.Lock()
		lat = append(lat, c.lat...)
		c.latMu.Unlock()
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(len(lat))/float64(shouts*n), "delivered")
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2])/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100])/1000, "p99-ms")
	}
	if cpu1, ok := srv.cpuSeconds(); ok && cpuOK && len(lat) > 0 {
		b.ReportMetric((cpu1-cpu0)*1e6/float64(len(lat)), "server-µs/delivery")
	}
}

func envInts(tb testing.TB, name string, def []int) []int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			tb.Fatalf("%s=%q: want positive integers separated by commas", name, s)
		}
		out = append(out, v)
	}
	return out
}
