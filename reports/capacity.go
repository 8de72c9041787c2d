package reports

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
)

// CapacitySchema is the version of the Capacity JSON.
const CapacitySchema = 1

// The dimensions a capacity search raises (Capacity.By).
const (
	ByClients = "clients" // the peak population
	ByRate    = "rate"    // the arrival phases' rate, starts per second
)

// Capacity is the record of a capacity search: every step it ran, the
// answer, why it stopped and what limited the server.
type Capacity struct {
	Schema   int            `json:"schema"`
	Scenario string         `json:"scenario"`
	Command  []string       `json:"command,omitempty"`
	By       string         `json:"by"`
	SLOs     []string       `json:"slos"`
	Min      int            `json:"min"`
	Max      int            `json:"max"`
	Budget   float64        `json:"budget_s"`
	Start    time.Time      `json:"start"`
	End      time.Time      `json:"end"`
	Managed  bool           `json:"managed,omitempty"`
	Steps    []CapacityStep `json:"steps"`
	// Answer is the largest value at which every SLO held for a whole
	// hold; Found is false when even Min broke one. LowerBound says the
	// search stopped before it narrowed the answer (budget, generator).
	Answer     int    `json:"answer"`
	Found      bool   `json:"found"`
	LowerBound bool   `json:"lower_bound,omitempty"`
	Stopped    string `json:"stopped"` // why the search ended
	// Limit is the limiting resource seen at the first value that broke
	// an SLO (or at the last step): server CPU, memory, errors, latency.
	Limit string `json:"limit,omitempty"`
	// Saturated is set when the generator, not the server, ran out first.
	Saturated bool `json:"generator_saturated,omitempty"`
}

// CapacityStep is one run of the search at one value.
type CapacityStep struct {
	Value   int     `json:"value"`
	Stage   string  `json:"stage"` // raise or narrow
	Held    bool    `json:"held"`
	Seconds float64 `json:"seconds"`
	// Saturated: the generator fell behind (its lag, dropped starts), so
	// the step says nothing about the server. Cut: the budget ran out
	// during it.
	Saturated bool               `json:"generator_saturated,omitempty"`
	Cut       bool               `json:"cut,omitempty"`
	Note      string             `json:"note,omitempty"`
	SLOs      []ThresholdResult  `json:"slos,omitempty"`
	Figures   map[string]float64 `json:"figures,omitempty"`
	Record    string             `json:"record,omitempty"`
	// Processes and Watched are as in SweepRun.
	Processes int `json:"server_processes,omitempty"`
	Watched   int `json:"watched_processes,omitempty"`
}

// CapacityLine is the last line of the text output: capacity: N clients,
// N/s, or none.
func (c *Capacity) CapacityLine() string {
	switch {
	case !c.Found:
		return "capacity: none"
	case c.By == ByRate:
		return fmt.Sprintf("capacity: %d/s", c.Answer)
	}
	return fmt.Sprintf("capacity: %d clients", c.Answer)
}

// WriteCapacityJSON writes the capacity record as indented JSON.
func WriteCapacityJSON(w io.Writer, c *Capacity) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(c)
}

// capacityTable is the evidence: a row per step, in the order run.
func capacityTable(c *Capacity) (header []string, rows [][]string) {
	header = []string{c.unit(), "stage", "verdict"}
	header = append(header, c.SLOs...)
	figs := []FigureInfo{}
	for _, f := range Figures {
		switch f.Key {
		case FigClients:
			f.Label = "connected" // beside the value asked for
			figs = append(figs, f)
		case FigErrorRate, FigLagP99, FigDropped, FigServerCPU, FigServerRSS:
			figs = append(figs, f)
		}
	}
	header = append(append(header, figureLabels(figs)...), "seconds")
	for _, s := range c.Steps {
		row := []string{strconv.Itoa(s.Value), s.Stage, stepVerdict(s)}
		for _, slo := range c.SLOs {
			row = append(row, sloActual(s.SLOs, slo))
		}
		for _, f := range figs {
			row = append(row, rangeCell([]SweepRun{{Figures: s.Figures}}, f))
		}
		rows = append(rows, append(row, strconv.FormatFloat(s.Seconds, 'f', 1, 64)))
	}
	return header, rows
}

func (c *Capacity) unit() string {
	if c.By == ByRate {
		return "rate /s"
	}
	return "clients"
}

func stepVerdict(s CapacityStep) string {
	switch {
	case s.Cut:
		return "cut (budget)"
	case s.Saturated:
		return "generator saturated"
	case s.Held:
		return "held"
	}
	return "BROKE"
}

func sloActual(results []ThresholdResult, expr string) string {
	for _, r := range results {
		if r.Expr == expr {
			if r.OK {
				return r.Actual
			}
			return r.Actual + " ✗"
		}
	}
	return "-"
}

// capacitySummary are the lines after the table: why it stopped, the
// limit, the answer's standing.
func capacitySummary(c *Capacity) []string {
	out := []string{"stopped: " + c.Stopped}
	if c.Limit != "" {
		out = append(out, "limit: "+c.Limit)
	}
	if c.Found && c.LowerBound {
		out = append(out, fmt.Sprintf("the answer is a lower bound: %s held, and the search stopped before it found where the SLOs break", c.answerText()))
	}
	var pick CapacityStep
	for _, s := range c.Steps {
		if s.Processes > pick.Processes {
			pick = s
		}
	}
	if note := watchedNote(pick.Processes, pick.Watched); note != "" {
		out = append(out, note)
	}
	return out
}

func (c *Capacity) answerText() string {
	if c.By == ByRate {
		return fmt.Sprintf("%d/s", c.Answer)
	}
	return fmt.Sprintf("%d clients", c.Answer)
}

// WriteCapacityText writes the evidence table, why the search stopped,
// the limit it saw, and, last, the capacity line.
func WriteCapacityText(w io.Writer, c *Capacity) error {
	header, rows := capacityTable(c)
	if _, err := fmt.Fprintf(w, "stampede capacity %s: by %s, SLOs %s\n\n", c.Scenario, c.By, strings.Join(c.SLOs, ", ")); err != nil {
		return err
	}
	if err := writeTable(w, header, rows); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n%s\n", strings.Join(capacitySummary(c), "\n"), c.CapacityLine())
	return err
}

// WriteCapacityMarkdown writes the search as a markdown section.
func WriteCapacityMarkdown(w io.Writer, c *Capacity) error {
	header, rows := capacityTable(c)
	if _, err := fmt.Fprintf(w, "## stampede capacity %s\n\n**%s** (by %s; SLOs %s)\n\n", c.Scenario, c.CapacityLine(), c.By,
		"`"+strings.Join(c.SLOs, "`, `")+"`"); err != nil {
		return err
	}
	if err := writeMarkdownTable(w, header, rows); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", "- "+strings.Join(capacitySummary(c), "\n- "))
	return err
}

// WriteCapacityHTML renders the search as one self-contained page: the
// answer, the evidence table (each step's record linked) and knee plots:
// each SLO's measured value against the value raised, with the SLO's
// limit, and the server's CPU and the generator's lag the same way.
func WriteCapacityHTML(w io.Writer, c *Capacity) error {
	header, rows := capacityTable(c)
	page := tablePage{Title: "stampede capacity " + c.Scenario, Verdict: "pass", Answer: c.CapacityLine(),
		CSS: template.CSS(htmlAsset("report.css")), Header: header, Rows: rows, Notes: capacitySummary(c), Command: shellQuote(c.Command),
		Meta: fmt.Sprintf("by %s from %d to %d, SLOs %s, budget %s, started %s, %s in all", c.By, c.Min, c.Max,
			strings.Join(c.SLOs, ", "), time.Duration(c.Budget*float64(time.Second)), c.Start.UTC().Format(time.RFC3339), c.End.Sub(c.Start).Round(time.Second))}
	if !c.Found {
		page.Verdict = "fail"
	}
	for _, s := range c.Steps {
		page.Links = append(page.Links, s.Record)
	}
	for _, p := range capacityPlots(c) {
		page.Plots = append(page.Plots, figure{Title: p.Title, SVG: template.HTML(p.svg())})
	}
	return htmlTemplates.ExecuteTemplate(w, "table.html.tmpl", page)
}

// capacityPlots are the knee plots: per SLO its value at each step that
// measured it, sorted by the value raised, and the SLO's limit; then the
// server's CPU and the generator's lag.
func capacityPlots(c *Capacity) []*plot {
	steps := sortedSteps(c.Steps)
	var out []*plot
	for _, expr := range c.SLOs {
		unit, scale := sloUnit(expr)
		p := &plot{ID: "knee " + expr, Title: expr + " against " + c.unit(), XLabel: c.unit(), YUnit: unit}
		measured := line{Name: "measured"}
		limit := line{Name: "SLO"}
		for _, s := range steps {
			for _, r := range s.SLOs {
				if r.Expr == expr && r.Actual != "no data" && r.Err == "" {
					measured.Xs, measured.Ys = append(measured.Xs, float64(s.Value)), append(measured.Ys, r.Value*scale)
				}
			}
		}
		if t, err := threshold.Parse(expr); err == nil && len(measured.Xs) > 0 {
			limit.Xs, limit.Ys = []float64{measured.Xs[0], measured.Xs[len(measured.Xs)-1]}, []float64{t.Value * scale, t.Value * scale}
		}
		p.Lines = []line{measured, limit}
		if !p.empty() {
			out = append(out, p)
		}
	}
	for _, f := range []struct{ key, title, unit string }{
		{FigServerCPU, "server CPU, most in one second", "cores"},
		{FigLagP99, "generator lag p99", "ms"},
	} {
		p := &plot{ID: "knee " + f.key, Title: f.title + " against " + c.unit(), XLabel: c.unit(), YUnit: f.unit}
		l := line{Name: f.key}
		for _, s := range steps {
			if v, ok := s.Figures[f.key]; ok {
				l.Xs, l.Ys = append(l.Xs, float64(s.Value)), append(l.Ys, v)
			}
		}
		p.Lines = []line{l}
		if !p.empty() {
			out = append(out, p)
		}
	}
	return out
}

// sortedSteps are the steps that measured something, by value.
func sortedSteps(steps []CapacityStep) []CapacityStep {
	var out []CapacityStep
	for _, s := range steps {
		if !s.Cut {
			out = append(out, s)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Value < out[j-1].Value; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// sloUnit is the unit an SLO's value is plotted in, and what its value
// is multiplied by for it: times in ms, rates and shares in percent.
func sloUnit(expr string) (string, float64) {
	t, err := threshold.Parse(expr)
	if err != nil {
		return "", 1
	}
	m, _ := threshold.LookupMetric(t.Metric)
	switch {
	case m.Kind == threshold.KindTimer && t.Stat != "count" && t.Stat != "rate":
		return "ms", 1
	case m.Kind == threshold.KindRate || t.Share:
		return "%", 100
	}
	return "", 1
}
