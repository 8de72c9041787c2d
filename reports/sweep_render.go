package reports

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// WriteSweepText writes the sweep's comparison table: one row per
// combination, the varied values as given, repeated runs as ranges (low–
// high); > marks a lower bound.
func WriteSweepText(w io.Writer, s *Sweep) error {
	header, rows := sweepTable(s)
	return writeTable(w, header, rows)
}

// WriteSweepMarkdown writes the sweep as a markdown section: what ran,
// then the comparison table.
func WriteSweepMarkdown(w io.Writer, s *Sweep) error {
	header, rows := sweepTable(s)
	if _, err := fmt.Fprintf(w, "## stampede sweep %s\n\n%s\n\n", s.Scenario, sweepMeta(s)); err != nil {
		return err
	}
	return writeMarkdownTable(w, header, rows)
}

// sweepMeta is one line on what the sweep ran.
func sweepMeta(s *Sweep) string {
	runs := 0
	for _, r := range s.Rows {
		runs += len(r.Runs)
	}
	where := "against the target"
	if s.Managed {
		where = "each on a fresh managed refserver"
	}
	meta := fmt.Sprintf("%d combinations of %s, %d runs (%d each) %s, started %s, %s in all.",
		len(s.Rows), strings.Join(s.Keys, " × "), runs, s.Repeat, where,
		s.Start.UTC().Format(time.RFC3339), s.End.Sub(s.Start).Round(time.Second))
	if note := sweepWatched(s); note != "" {
		meta += " Mind: " + note + "."
	}
	return meta
}

// tablePage is the HTML page of a sweep or capacity search: a verdict or
// answer, notes, one table, plots.
type tablePage struct {
	Title, Verdict, Answer string
	CSS                    template.CSS
	Meta                   string
	Notes                  []string
	Header                 []string
	Rows                   [][]string
	Links                  []string // per row: the run's record or report, "" for none
	Plots                  []figure
	Command                string
}

// WriteSweepHTML renders the sweep as one self-contained page: the table
// and, for each figure, a plot of it against the varied settings (the
// first varied key along x, one line per combination of the others; the
// mean of repeated runs). Each plot carries data-plot and data-points.
func WriteSweepHTML(w io.Writer, s *Sweep) error {
	header, rows := sweepTable(s)
	page := tablePage{Title: "stampede sweep " + s.Scenario, Verdict: "pass", CSS: template.CSS(htmlAsset("report.css")),
		Meta: sweepMeta(s), Header: header, Rows: rows, Command: shellQuote(s.Command)}
	for _, r := range s.Rows {
		link := ""
		if len(r.Runs) > 0 {
			link = r.Runs[0].Record
		}
		page.Links = append(page.Links, link)
		if verdictCell(r.Runs) != "ok" {
			page.Verdict = "fail"
		}
	}
	for _, p := range sweepPlots(s) {
		page.Plots = append(page.Plots, figure{Title: p.Title, SVG: template.HTML(p.svg())})
	}
	return htmlTemplates.ExecuteTemplate(w, "table.html.tmpl", page)
}

// sweepPlots are one plot per figure present: x the first key's values
// (in their order of appearance), one line per combination of the other
// keys, y the mean of the runs; where a setting was run more than once,
// two more lines give the range (NAME low, NAME high).
func sweepPlots(s *Sweep) []*plot {
	if len(s.Keys) == 0 {
		return nil
	}
	var xs []string
	var series []string
	for _, r := range s.Rows {
		if !slices.Contains(xs, r.Values[0]) {
			xs = append(xs, r.Values[0])
		}
		if k := seriesName(s.Keys[1:], r.Values[1:]); !slices.Contains(series, k) {
			series = append(series, k)
		}
	}
	var out []*plot
	for _, f := range presentFigures(s) {
		p := &plot{ID: f.Key, Title: f.Title + " against " + s.Keys[0], XLabel: s.Keys[0], XTicks: xs}
		for _, name := range series {
			mean, low, high := line{Name: name}, line{Name: name + " low"}, line{Name: name + " high"}
			repeated := false
			for _, r := range s.Rows {
				if seriesName(s.Keys[1:], r.Values[1:]) != name {
					continue
				}
				lo, m, hi, n := figureRange(r.Runs, f.Key)
				if n == 0 {
					continue
				}
				x := float64(slices.Index(xs, r.Values[0]))
				mean.Xs, mean.Ys = append(mean.Xs, x), append(mean.Ys, m)
				low.Xs, low.Ys = append(low.Xs, x), append(low.Ys, lo)
				high.Xs, high.Ys = append(high.Xs, x), append(high.Ys, hi)
				repeated = repeated || n > 1
			}
			p.Lines = append(p.Lines, mean)
			if repeated {
				p.Lines = append(p.Lines, low, high)
			}
		}
		if !p.empty() {
			out = append(out, p)
		}
	}
	return out
}

// seriesName labels one combination of the keys after the first.
func seriesName(keys, values []string) string {
	if len(keys) == 0 {
		return "runs"
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + values[i]
	}
	return strings.Join(parts, " ")
}

// figureRange is the lowest, mean and highest of a figure over the runs
// of one setting that measured it, and how many did.
func figureRange(runs []SweepRun, key string) (low, mean, high float64, n int) {
	sum := 0.0
	low, high = math.Inf(1), math.Inf(-1)
	for _, r := range runs {
		if v, ok := r.Figures[key]; ok && !math.IsNaN(v) {
			sum, n = sum+v, n+1
			low, high = math.Min(low, v), math.Max(high, v)
		}
	}
	if n == 0 {
		return 0, 0, 0, 0
	}
	return low, sum / float64(n), high, n
}
