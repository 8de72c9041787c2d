package reports

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
)

// The HTML reports are one self-contained file each: the stylesheet and
// the script are embedded, plots are SVG drawn here (no charting library,
// nothing fetched), and a Content-Security-Policy forbids the page to load
// anything.
//
//go:embed html/*
var htmlFiles embed.FS

var htmlTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"join": strings.Join,
	"tags": tagLabel,
	"ms":   formatMs,
	"secs": seconds,
	"hv":   histValue,
	"reason": func(cs CheckCase) string {
		return caseReason(cs)
	},
}).ParseFS(htmlFiles, "html/*.tmpl"))

// htmlAsset returns an embedded file; they are part of the binary.
func htmlAsset(name string) string {
	b, err := htmlFiles.ReadFile("html/" + name)
	if err != nil {
		panic("reports: embedded file missing: " + name)
	}
	return string(b)
}

// figure is one plot on the page.
type figure struct {
	Title string
	SVG   template.HTML
}

type runPage struct {
	R                *Run
	CSS              template.CSS
	Verdict          string
	Started, Seconds string
	Dropped          int64
	Plots            []figure
	Command, Config  string
}

// WriteRunHTML renders a load run as one self-contained HTML page: the
// verdict and thresholds, the latency tables, plots over time (clients,
// connects, messages by event, each timer's percentiles, errors by kind,
// the generator's lag, the servers' CPU and memory when scraped) with the
// phases shaded, each timer's HDR percentile distribution, and the
// scenario, command line and environment. Each plot's svg element carries
// data-plot (what it shows) and data-points (how many points it drew).
func WriteRunHTML(w io.Writer, r *Run) error {
	page := runPage{
		R: r, CSS: template.CSS(htmlAsset("report.css")), Verdict: "pass",
		Started: r.Environment.Start.UTC().Format(time.RFC3339), Seconds: seconds(r.Seconds()),
		Dropped: r.Counter(threshold.MetricStartsDropped, nil), Command: shellQuote(r.Command), Config: configText(r.Config),
	}
	if r.Interrupted || slices.ContainsFunc(r.Thresholds, func(t ThresholdResult) bool { return !t.OK }) {
		page.Verdict = "fail"
	}
	for _, p := range runPlots(r) {
		page.Plots = append(page.Plots, figure{Title: p.Title, SVG: template.HTML(p.svg())}) // p.svg escapes its text
	}
	return htmlTemplates.ExecuteTemplate(w, "run.html.tmpl", page)
}

type checkPage struct {
	C                *Check
	CSS              template.CSS
	JS               template.JS
	Verdict, Started string
	Command          string
	StatusPlot       template.HTML
	Statuses, Layers []string
}

// WriteCheckHTML renders a conformance run as one self-contained HTML
// page: the summary, a bar of the cases by status, and every case by layer
// with its status, reason and evidence, filterable by text, status and
// layer (a few lines of inline script).
func WriteCheckHTML(w io.Writer, c *Check) error {
	page := checkPage{
		C: c, CSS: template.CSS(htmlAsset("report.css")), JS: template.JS(htmlAsset("check.js")), Verdict: "pass",
		Started: c.Started.UTC().Format(time.RFC3339), Command: shellQuote(c.Command),
		Statuses: []string{StatusPass, StatusFail, StatusWarn, StatusSkip},
	}
	if c.Summary.Decisive > 0 {
		page.Verdict = "fail"
	}
	for _, cs := range c.Cases {
		if !slices.Contains(page.Layers, cs.Layer) {
			page.Layers = append(page.Layers, cs.Layer)
		}
	}
	s := c.Summary
	page.StatusPlot = template.HTML(statusBar([]int{s.Passed, s.Failed, s.Warned, s.Skipped}, page.Statuses))
	return htmlTemplates.ExecuteTemplate(w, "check.html.tmpl", page)
}

// statusBar draws the cases by status as one stacked bar; data-points
// counts the statuses drawn.
func statusBar(counts []int, names []string) string {
	total := 0
	for _, n := range counts {
		total += n
	}
	var b strings.Builder
	x, drawn := 0.0, 0
	for i, n := range counts {
		if n == 0 {
			continue
		}
		w := innerW * float64(n) / float64(total)
		fmt.Fprintf(&b, `<rect class="%s" x="%s" y="8" width="%s" height="26"><title>%s: %d</title></rect>`, names[i], num(x), num(w), names[i], n)
		if w > 50 {
			fmt.Fprintf(&b, `<text x="%s" y="26" style="fill:#fff">%s %d</text>`, num(x+4), names[i], n)
		}
		x += w
		drawn++
	}
	return fmt.Sprintf(`<svg class="plot" viewBox="0 0 %s 42" role="img" aria-label="cases by status" data-plot="cases by status" data-points="%d">%s</svg>`,
		num(innerW), drawn, b.String())
}

// configText is the scenario as the record keeps it: YAML text, or JSON
// indented.
func configText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var text string
	if json.Unmarshal(raw, &text) == nil {
		return text
	}
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

// shellQuote writes a command line as a shell would take it back.
func shellQuote(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@+") == "" {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}
