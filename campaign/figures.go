package campaign

import (
	"math"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/scenarios"
)

// The figures of one run (Result.Figures), by key. Each is absent when the
// run could not measure it.
const (
	FigClients      = "clients"               // most clients connected at once (generator side)
	FigAckP99       = "ack_p99_ms"            // acked round trips, every event
	FigPushP99      = "push_p99_ms"           // pushed events, every event
	FigErrorRate    = "error_rate_pct"        // errors per operation, percent
	FigLagP99       = "lag_p99_ms"            // the generator's own lag
	FigDropped      = "starts_dropped"        // starts the generator gave up on
	FigServerCPU    = "server_cpu_max"        // cores, most in one second (scraped)
	FigServerRSS    = "server_rss_max_mib"    // MiB (scraped)
	FigCPUPer1k     = "server_cpu_per_1k"     // cores per 1,000 connected clients, steady state
	FigRSSPer1k     = "server_rss_per_1k_mib" // MiB above the idle server per 1,000 clients
	FigBytesPerMin  = "bytes_per_client_min"  // Engine.IO payload bytes both ways per client per minute
	FigVanishConn   = "vanished_connected_s"  // how long vanished clients stayed connected (the last one)
	FigVanishCount  = "vanished_counted_s"    // how long they stayed in the session pool (the last one)
	steadyMargin    = 500 * time.Millisecond  // skipped after the population peaks
	steadyMinWindow = time.Second             // shortest window the per-client costs are taken over
	peakShare       = 0.98                    // the population counts as arrived at this share of its peak
)

// Figures are a run's measured values by key (the Fig constants); Open
// marks the values that are lower bounds: the vanished clients were still
// connected or counted when the run ended.
type Figures struct {
	Values map[string]float64
	Open   map[string]bool
}

func (f *Figures) set(key string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	f.Values[key] = v
}

// RecordFigures are the figures the record alone gives.
func RecordFigures(rec *reports.Run) Figures {
	f := Figures{Values: map[string]float64{}, Open: map[string]bool{}}
	var clients int64
	var cpu, rss float64
	hasCPU, hasRSS := false, false
	for _, p := range rec.Series {
		clients = max(clients, p.Clients)
		if p.ServerCPU != nil {
			cpu, hasCPU = math.Max(cpu, *p.ServerCPU), true
		}
		if p.ServerRSS != nil {
			rss, hasRSS = math.Max(rss, float64(*p.ServerRSS)/(1<<20)), true
		}
	}
	f.set(FigClients, float64(clients))
	if hasCPU {
		f.set(FigServerCPU, cpu)
	}
	if hasRSS {
		f.set(FigServerRSS, rss)
	}
	for _, m := range []struct{ metric, key string }{{threshold.MetricAck, FigAckP99}, {threshold.MetricPush, FigPushP99}} {
		if h, unit, ok := rec.Aggregate(m.metric, nil); ok && h.TotalCount() > 0 && unit == reports.UnitMicroseconds {
			f.set(m.key, float64(h.ValueAtQuantile(99))/1e3)
		}
	}
	if r, ok := rec.ErrorRate(nil); ok {
		f.set(FigErrorRate, r*100)
	}
	f.set(FigLagP99, rec.Generator.LagP99)
	f.set(FigDropped, float64(rec.Generator.StartsDropped))
	return f
}

// watchFigures adds what the server's own samples say: its cost per
// client in the steady state (after the population arrived, before any
// client vanished) and, when every flow vanishes at one point of the run
// (think until T, then vanish), how long the vanished clients stayed
// connected and counted.
func watchFigures(f *Figures, samples []Sample, s *scenarios.Scenario, start, end time.Time) {
	if len(samples) == 0 {
		return
	}
	vanish, vanishes := VanishAt(s)
	steadyEnd := end
	if vanishes {
		steadyEnd = start.Add(vanish)
	}
	steadyCosts(f, samples, start, steadyEnd)
	if !vanishes {
		return
	}
	base := samples[0]
	at := start.Add(vanish)
	for _, v := range []struct {
		key   string
		level func(Sample) float64
	}{
		{FigVanishConn, func(s Sample) float64 { return s.Sessions }},
		{FigVanishCount, func(s Sample) float64 { return s.Pool }},
	} {
		if v.level(base) < 0 {
			continue
		}
		gone, ok := goneAfter(samples, at, end, v.level(base), v.level)
		if gone < 0 {
			continue
		}
		f.set(v.key, gone.Seconds())
		f.Open[v.key] = !ok
	}
}

// steadyCosts sets the per-client costs over the steady window: from
// steadyMargin after the sessions first reach peakShare of their peak
// before until, to the last sample before until.
func steadyCosts(f *Figures, samples []Sample, start, until time.Time) {
	var peak float64
	for _, s := range samples {
		if s.At.After(start) && s.At.Before(until) {
			peak = math.Max(peak, s.Sessions)
		}
	}
	if peak <= 0 {
		return
	}
	first, last := -1, -1
	for i, s := range samples {
		if !s.At.After(start) || !s.At.Before(until) {
			continue
		}
		if first < 0 && s.Sessions >= peakShare*peak {
			first = i
		}
		last = i
	}
	if first < 0 {
		return
	}
	reached := samples[first].At
	for first < last && samples[first].At.Sub(reached) < steadyMargin && samples[last].At.Sub(samples[first+1].At) >= steadyMinWindow {
		first++
	}
	a, b := samples[first], samples[last]
	secs := b.At.Sub(a.At).Seconds()
	if secs < steadyMinWindow.Seconds() {
		return
	}
	clients := (a.Sessions + b.Sessions) / 2
	if clients <= 0 {
		return
	}
	if a.CPU >= 0 && b.CPU >= a.CPU {
		f.set(FigCPUPer1k, (b.CPU-a.CPU)/secs/clients*1000)
	}
	if b.RSS >= 0 && samples[0].RSS >= 0 {
		f.set(FigRSSPer1k, (b.RSS-samples[0].RSS)/(1<<20)/clients*1000)
	}
	if a.Bytes >= 0 && b.Bytes >= a.Bytes {
		f.set(FigBytesPerMin, (b.Bytes-a.Bytes)/secs*60/clients)
	}
}

// goneAfter is how long after at the level fell back to base (the vanished
// clients gone); ok is false when it had not by end (the duration is then
// end − at, a lower bound), and the duration is negative when no sample
// follows at.
func goneAfter(samples []Sample, at, end time.Time, base float64, level func(Sample) float64) (time.Duration, bool) {
	seen := false
	for _, s := range samples {
		if s.At.Before(at) || level(s) < 0 {
			continue
		}
		if s.At.After(end) {
			break
		}
		seen = true
		if level(s) <= base {
			return s.At.Sub(at), true
		}
	}
	if !seen {
		return -1, false
	}
	return end.Sub(at), false
}

// VanishAt is the point of the run at which every client vanishes, when
// each flow (of weight above zero) vanishes right after thinking until a
// point of the run: the earliest of those points.
func VanishAt(s *scenarios.Scenario) (time.Duration, bool) {
	var at time.Duration
	found := false
	for _, fl := range s.Flows {
		if fl.Weight != nil && *fl.Weight == 0 {
			continue
		}
		t, ok := flowVanish(fl.Steps)
		if !ok {
			return 0, false
		}
		if !found || t < at {
			at, found = t, true
		}
	}
	return at, found
}

func flowVanish(steps []scenarios.Step) (time.Duration, bool) {
	for i := 1; i < len(steps); i++ {
		if steps[i].Vanish != nil && steps[i-1].Think != nil && steps[i-1].Think.Until > 0 {
			return steps[i-1].Think.Until, true
		}
	}
	return 0, false
}
