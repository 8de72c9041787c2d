package reports

import (
	"fmt"
	"maps"
	"slices"

	"github.com/stampede-sio/stampede/internal/threshold"
)

// hdrPlotPoints is how many percentiles an HDR distribution plot samples,
// evenly on its log axis.
const hdrPlotPoints = 250

// runPlots are the run's plots in page order; plots with nothing to draw
// are left out.
func runPlots(r *Run) []*plot {
	bands := phaseBands(r.Phases)
	s := r.Series
	level := func(f func(Point) float64) (xs, ys []float64) {
		for _, p := range s {
			xs, ys = append(xs, float64(p.T)), append(ys, f(p))
		}
		return xs, ys
	}
	lineOf := func(name string, f func(Point) float64) line {
		xs, ys := level(f)
		return line{Name: name, Xs: xs, Ys: ys}
	}
	plots := []*plot{
		{ID: "clients", Title: "clients connected and connecting", Bands: bands, Lines: []line{
			lineOf("clients", func(p Point) float64 { return float64(p.Clients) }),
			lineOf("connecting", func(p Point) float64 { return float64(p.Connecting) }),
		}},
		{ID: "connects", Title: "Socket.IO connects per second", YUnit: "/s", Bands: bands, Lines: []line{
			lineOf("connects/s", func(p Point) float64 { return float64(p.Connects) }),
		}},
		{ID: "messages", Title: "messages per second, sent by event and received", YUnit: "/s", Bands: bands,
			Lines: append(countLines(s, func(p Point) map[string]int64 { return p.MessagesOutByEvent }, "sent "),
				lineOf("received", func(p Point) float64 { return float64(p.MessagesIn) }))},
	}
	plots = append(plots, latencyPlots(s, bands)...)
	plots = append(plots, hdrPlots(r.Histograms)...)
	plots = append(plots,
		&plot{ID: "errors", Title: "errors per second, by kind", YUnit: "/s", Bands: bands,
			Lines: append([]line{lineOf("all", func(p Point) float64 { return float64(p.Errors) })},
				countLines(s, func(p Point) map[string]int64 { return p.ErrorsByKind }, "")...)},
		&plot{ID: "generator-lag", Title: "generator lag: how late the simulator's timers woke", YUnit: "ms", Bands: bands,
			Lines: latencyLines(s, threshold.MetricLag, nil)},
		&plot{ID: "server-cpu", Title: "server CPU (scraped /metrics)", YUnit: "cores", Bands: bands,
			Lines: optionalLine(s, "cpu", func(p Point) *float64 { return p.ServerCPU })},
		&plot{ID: "memory", Title: "resident memory: server (scraped) and generator", YUnit: "MiB", Bands: bands,
			Lines: append(optionalLine(s, "server rss", func(p Point) *float64 { return mib(p.ServerRSS) }),
				optionalLine(s, "generator rss", func(p Point) *float64 { return mib(p.GeneratorRSS) })...)},
		&plot{ID: "server-goroutines", Title: "server goroutines (scraped)", Bands: bands,
			Lines: optionalLine(s, "goroutines", func(p Point) *float64 { return int64f(p.ServerGoroutines) })},
	)
	return slices.DeleteFunc(plots, (*plot).empty)
}

func phaseBands(phases []PhaseRecord) []band {
	out := make([]band, len(phases))
	for i, p := range phases {
		out[i] = band{Name: p.Name, From: p.Start, Upto: p.End}
	}
	return out
}

// countLines draws one line per key of the per-second maps, zero in the
// seconds without it.
func countLines(s []Point, m func(Point) map[string]int64, prefix string) []line {
	keys := map[string]bool{}
	for _, p := range s {
		for k := range m(p) {
			keys[k] = true
		}
	}
	var out []line
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		l := line{Name: prefix + k}
		for _, p := range s {
			l.Xs, l.Ys = append(l.Xs, float64(p.T)), append(l.Ys, float64(m(p)[k]))
		}
		out = append(out, l)
	}
	return out
}

// optionalLine draws the seconds that have the value.
func optionalLine(s []Point, name string, f func(Point) *float64) []line {
	l := line{Name: name}
	for _, p := range s {
		if v := f(p); v != nil {
			l.Xs, l.Ys = append(l.Xs, float64(p.T)), append(l.Ys, *v)
		}
	}
	if len(l.Xs) == 0 {
		return nil
	}
	return []line{l}
}

func mib(v *int64) *float64 {
	if v == nil {
		return nil
	}
	f := float64(*v) / (1 << 20)
	return &f
}

func int64f(v *int64) *float64 {
	if v == nil {
		return nil
	}
	f := float64(*v)
	return &f
}

// latencyPlots draws, for every timer in the series but the generator's
// lag (plotted apart), p50, p90, p99 and max over time.
func latencyPlots(s []Point, bands []band) []*plot {
	type series struct {
		metric string
		tags   map[string]string
	}
	var seen []series
	for _, p := range s {
		for _, l := range p.Latency {
			if l.Metric != threshold.MetricLag && !slices.ContainsFunc(seen, func(x series) bool { return x.metric == l.Metric && maps.Equal(x.tags, l.Tags) }) {
				seen = append(seen, series{l.Metric, l.Tags})
			}
		}
	}
	slices.SortStableFunc(seen, func(a, b series) int { return compareSeries(a.metric, a.tags, b.metric, b.tags) })
	out := make([]*plot, len(seen))
	for i, x := range seen {
		name := x.metric + tagLabel(x.tags)
		out[i] = &plot{ID: "latency " + name, Title: "latency over time: " + name, YUnit: "ms", Bands: bands,
			Lines: latencyLines(s, x.metric, x.tags)}
	}
	return out
}

// latencyLines are p50, p90, p99 and max of one timer, second by second.
func latencyLines(s []Point, metric string, tags map[string]string) []line {
	lines := []line{{Name: "p50"}, {Name: "p90"}, {Name: "p99"}, {Name: "max"}}
	for _, p := range s {
		i := slices.IndexFunc(p.Latency, func(l LatencyPoint) bool { return l.Metric == metric && maps.Equal(l.Tags, tags) })
		if i < 0 {
			continue
		}
		l := p.Latency[i]
		for j, v := range []float64{l.P50, l.P90, l.P99, l.Max} {
			lines[j].Xs, lines[j].Ys = append(lines[j].Xs, float64(p.T)), append(lines[j].Ys, v)
		}
	}
	if len(lines[0].Xs) == 0 {
		return nil
	}
	return lines
}

// hdrPlots draw each histogram's percentile distribution, as HdrHistogram
// plots are read: latency by percentile on a log axis of nines.
func hdrPlots(hs []HistogramRecord) []*plot {
	var out []*plot
	for _, rec := range hs {
		h, err := rec.Decode()
		if err != nil || h.TotalCount() == 0 {
			continue
		}
		_, div := summaryUnit(rec.HDRUnit)
		pcts := make([]float64, hdrPlotPoints+1)
		xs := make([]float64, hdrPlotPoints+1)
		for i := range pcts {
			xs[i] = float64(hdrDecades) * float64(i) / hdrPlotPoints
			pcts[i] = hdrPercentile(xs[i])
		}
		vals := h.ValueAtPercentilesSlice(pcts)
		ys := make([]float64, len(vals))
		for i, v := range vals {
			ys[i] = float64(v) / div
		}
		name := rec.Metric + tagLabel(rec.Tags)
		out = append(out, &plot{ID: "hdr " + name, HDR: true, YUnit: rec.Unit,
			Title: fmt.Sprintf("percentile distribution: %s (%d values)", name, rec.Count),
			Lines: []line{{Name: name, Xs: xs, Ys: ys}}})
	}
	return out
}
