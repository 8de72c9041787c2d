package reports

import (
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"
)

type comparePage struct {
	C                     *Comparison
	CSS                   template.CSS
	Verdict, VerdictClass string
	Letters, Colours      []string
	Columns               int
	Sections              []compareSection
	Plots                 []figure
}

type compareSection struct {
	Name string
	Rows []compareHTMLRow
}

type compareHTMLRow struct {
	Name  string
	Cells []string
}

// WriteCompareHTML renders the comparison as one self-contained HTML
// page: the records, the rules, every metric side by side with its
// changes, and plots with one colour per record: each timer's HDR
// percentile distributions overlaid, and the series over time (clients,
// connects, messages, errors, each timer's p99, the servers' CPU and
// memory) overlaid from each run's start. Each plot's svg element carries
// data-plot and data-points, as in the run report.
func WriteCompareHTML(w io.Writer, c *Comparison) error {
	page := comparePage{C: c, CSS: template.CSS(htmlAsset("report.css")), Verdict: c.verdict(), VerdictClass: "pass",
		Columns: 3*len(c.Records) - 1}
	switch {
	case len(c.Rules) == 0:
		page.VerdictClass = "skip"
	case !c.OK():
		page.VerdictClass = "fail"
	}
	for i := range c.Records {
		page.Letters = append(page.Letters, recordLetter(i))
		page.Colours = append(page.Colours, recordColour(i))
	}
	for _, sec := range c.sections() {
		s := compareSection{Name: sec}
		for _, row := range c.Rows {
			if row.Section != sec {
				continue
			}
			r := compareHTMLRow{Name: row.Name}
			for i := range row.Values {
				r.Cells = append(r.Cells, row.value(i))
				if i > 0 {
					d, x := row.change(0, i)
					r.Cells = append(r.Cells, d, x)
				}
			}
			s.Rows = append(s.Rows, r)
		}
		page.Sections = append(page.Sections, s)
	}
	for _, p := range comparePlots(c) {
		page.Plots = append(page.Plots, figure{Title: p.Title, SVG: template.HTML(p.svg())}) // p.svg escapes its text
	}
	return htmlTemplates.ExecuteTemplate(w, "compare.html.tmpl", page)
}

func recordColour(i int) string { return palette[i%len(palette)] }

// comparePlots overlay the runs: one line per run in its colour.
func comparePlots(c *Comparison) []*plot {
	var plots []*plot
	overlay := func(id, title, unit string, f func(r *Run) line) {
		p := &plot{ID: id, Title: title, YUnit: unit, HDR: strings.HasPrefix(id, "hdr ")}
		for i, r := range c.runs {
			l := f(r)
			l.Name, l.Colour = recordLetter(i)+" "+c.Records[i].Name, recordColour(i)
			if len(l.Xs) > 0 {
				p.Lines = append(p.Lines, l)
			}
		}
		plots = append(plots, p)
	}
	level := func(f func(Point) float64) func(*Run) line {
		return func(r *Run) line {
			var l line
			for _, p := range r.Series {
				l.Xs, l.Ys = append(l.Xs, float64(p.T)), append(l.Ys, f(p))
			}
			return l
		}
	}
	for _, k := range seriesKeys(c.runs, timerKeys) {
		if len(k.tags) == 0 && hasTagged(c.runs, k.metric) {
			continue // an all-tags row of the table: its tag sets are plotted
		}
		name := k.metric + tagLabel(k.tags)
		overlay("hdr "+name, "percentile distribution: "+name, UnitMilliseconds, func(r *Run) line { return hdrLine(r, k) })
	}
	overlay("clients", "clients connected", "", level(func(p Point) float64 { return float64(p.Clients) }))
	overlay("connects", "Socket.IO connects per second", "/s", level(func(p Point) float64 { return float64(p.Connects) }))
	overlay("messages-in", "messages received per second", "/s", level(func(p Point) float64 { return float64(p.MessagesIn) }))
	overlay("messages-out", "messages sent per second", "/s", level(func(p Point) float64 { return float64(p.MessagesOut) }))
	for _, k := range seriesKeys(c.runs, timerKeys) {
		if len(k.tags) == 0 && hasTagged(c.runs, k.metric) {
			continue
		}
		name := k.metric + tagLabel(k.tags)
		overlay("p99 "+name, "p99 per second: "+name, UnitMilliseconds, func(r *Run) line { return p99Line(r, k) })
	}
	overlay("errors", "errors per second", "/s", level(func(p Point) float64 { return float64(p.Errors) }))
	overlay("server-cpu", "server CPU (scraped /metrics)", "cores", func(r *Run) line {
		return firstLine(optionalLine(r.Series, "", func(p Point) *float64 { return p.ServerCPU }))
	})
	overlay("server-rss", "server resident memory (scraped)", "MiB", func(r *Run) line {
		return firstLine(optionalLine(r.Series, "", func(p Point) *float64 { return mib(p.ServerRSS) }))
	})
	return slices.DeleteFunc(plots, (*plot).empty)
}

func hasTagged(runs []*Run, metric string) bool {
	return slices.ContainsFunc(runs, func(r *Run) bool {
		return slices.ContainsFunc(r.Histograms, func(h HistogramRecord) bool { return h.Metric == metric && len(h.Tags) > 0 })
	})
}

// hdrLine is the run's percentile distribution of k, as hdrPlots draws it.
func hdrLine(r *Run, k seriesKey) line {
	i := slices.IndexFunc(r.Histograms, func(h HistogramRecord) bool { return h.Metric == k.metric && maps.Equal(h.Tags, k.tags) })
	if i < 0 {
		return line{}
	}
	hs := hdrPlots(r.Histograms[i : i+1])
	if len(hs) == 0 {
		return line{}
	}
	return hs[0].Lines[0]
}

// p99Line is k's p99 second by second.
func p99Line(r *Run, k seriesKey) line {
	lines := latencyLines(r.Series, k.metric, k.tags)
	if len(lines) == 0 {
		return line{}
	}
	return lines[2] // p50, p90, p99, max
}

// firstLine is the one line of optionalLine, or none.
func firstLine(ls []line) line {
	if len(ls) == 0 {
		return line{}
	}
	return ls[0]
}
