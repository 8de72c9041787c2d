package campaign

import (
	"math"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/scenarios"
)

// The steady window of the per-client costs (watchFigures).
const (
	steadyMargin    = 500 * time.Millisecond // skipped after the population peaks
	steadyMinWindow = time.Second            // shortest window the costs are taken over
	peakShare       = 0.98                   // the population counts as arrived at this share of its peak
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
	f.set(reports.FigClients, float64(clients))
	if hasCPU {
		f.set(reports.FigServerCPU, cpu)
	}
	if hasRSS {
		f.set(reports.FigServerRSS, rss)
	}
	for _, m := range []struct{ metric, key string }{{threshold.MetricAck, reports.FigAckP99}, {threshold.MetricPush, reports.FigPushP99}} {
		if h, unit, ok := rec.Aggregate(m.metric, nil); ok && h.TotalCount() > 0 && unit == reports.UnitMicroseconds {
			f.set(m.key, float64(h.ValueAtQuantile(99))/1e3)
		}
	}
	if r, ok := rec.ErrorRate(nil); ok {
		f.set(reports.FigErrorRate, r*100)
	}
	f.set(reports.FigLagP99, rec.Generator.LagP99)
	f.set(reports.FigDropped, float64(rec.Generator.StartsDropped))
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
	base.Pool = 0 // read from shortly before the vanish on; the fresh server had none
	at := start.Add(vanish)
	for _, v := range []struct {
		key   string
		level func(Sample) float64
	}{
		{reports.FigVanishConn, func(s Sample) float64 { return s.Sessions }},
		{reports.FigVanishCount, func(s Sample) float64 { return s.Pool }},
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
		busy := (b.CPU-a.CPU)/secs - idleCPU(samples, start)
		f.set(reports.FigCPUPer1k, max(0, busy)/clients*1000)
	}
	if b.RSS >= 0 && samples[0].RSS >= 0 {
		f.set(reports.FigRSSPer1k, (b.RSS-samples[0].RSS)/(1<<20)/clients*1000)
	}
	if a.Bytes >= 0 && b.Bytes >= a.Bytes {
		f.set(reports.FigBytesPerMin, (b.Bytes-a.Bytes)/secs*60/clients)
	}
}

// idleCPU is the server's CPU rate (cores) before start, while it had no
// client but the watch polling it; 0 without two samples a tenth of a
// second apart.
func idleCPU(samples []Sample, start time.Time) float64 {
	first, last := samples[0], samples[0]
	for _, s := range samples {
		if !s.At.Before(start) {
			break
		}
		last = s
	}
	secs := last.At.Sub(first.At).Seconds()
	if secs < 0.1 || first.CPU < 0 || last.CPU < first.CPU {
		return 0
	}
	return (last.CPU - first.CPU) / secs
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
