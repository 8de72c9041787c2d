package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// SweepSchema is the version of the Sweep JSON.
const SweepSchema = 1

// The figures of one run of a sweep or capacity search, by key (Figure
// lists them with their labels). A run lacks the figures it could not
// measure.
const (
	FigClients     = "clients"               // most clients connected at once (generator side)
	FigAckP99      = "ack_p99_ms"            // acked round trips, every event
	FigPushP99     = "push_p99_ms"           // pushed events, every event
	FigErrorRate   = "error_rate_pct"        // errors per operation, percent
	FigLagP99      = "lag_p99_ms"            // the generator's own lag
	FigDropped     = "starts_dropped"        // starts the generator gave up on
	FigServerCPU   = "server_cpu_max"        // cores, most in one second (scraped)
	FigServerRSS   = "server_rss_max_mib"    // MiB (scraped)
	FigCPUPer1k    = "server_cpu_per_1k"     // cores per 1,000 connected clients, steady state
	FigRSSPer1k    = "server_rss_per_1k_mib" // MiB above the idle server per 1,000 clients
	FigBytesPerMin = "bytes_per_client_min"  // Engine.IO payload bytes both ways per client per minute
	FigVanishConn  = "vanished_connected_s"  // how long vanished clients stayed connected (the last one)
	FigVanishCount = "vanished_counted_s"    // how long they stayed in the session pool (the last one)
)

// FigureInfo says how a figure reads.
type FigureInfo struct {
	Key   string
	Label string // column header, with its unit
	Title string // plot title
	Prec  int    // decimals shown
}

// Figures lists every figure in column order.
var Figures = []FigureInfo{
	{FigClients, "clients", "clients connected (most at once)", 0},
	{FigAckP99, "ack p99 ms", "ack p99 (ms)", 1},
	{FigPushP99, "push p99 ms", "push p99 (ms)", 1},
	{FigErrorRate, "errors %", "errors per operation (%)", 2},
	{FigDropped, "dropped", "starts dropped by the generator", 0},
	{FigLagP99, "lag p99 ms", "generator lag p99 (ms)", 1},
	{FigServerCPU, "srv cpu max", "server CPU, most in one second (cores)", 2},
	{FigServerRSS, "srv rss MiB", "server RSS, most (MiB)", 1},
	{FigCPUPer1k, "cpu/1k clients", "server CPU per 1,000 clients (cores)", 3},
	{FigRSSPer1k, "rss MiB/1k", "server RSS per 1,000 clients (MiB above idle)", 1},
	{FigBytesPerMin, "bytes/client/min", "Engine.IO bytes per client per minute, both ways", 0},
	{FigVanishConn, "vanished connected s", "how long a vanished client stays connected (s, the last one)", 1},
	{FigVanishCount, "vanished counted s", "how long a vanished client stays in the session pool (s, the last one)", 1},
}

// Sweep is the record of a sweep: one row per combination of the varied
// settings, each with its runs (--repeat).
type Sweep struct {
	Schema   int          `json:"schema"`
	Scenario string       `json:"scenario"`
	Command  []string     `json:"command,omitempty"`
	Keys     []string     `json:"keys"`              // the varied settings, in --vary order
	Managed  bool         `json:"managed,omitempty"` // each run on a fresh managed server
	Repeat   int          `json:"repeat"`
	Start    time.Time    `json:"start"`
	End      time.Time    `json:"end"`
	Rows     []SweepRow   `json:"rows"`
	Host     *Environment `json:"environment,omitempty"`
}

// SweepRow is one combination: the values of Keys as given, and its runs.
type SweepRow struct {
	Values []string   `json:"values"`
	Runs   []SweepRun `json:"runs"`
}

// SweepRun is one run of a combination.
type SweepRun struct {
	Record string `json:"record,omitempty"` // its record's file, beside the sweep's
	// OK is true when every threshold of the run held.
	OK bool `json:"ok"`
	// Error is why the run did not happen, when it did not.
	Error   string             `json:"error,omitempty"`
	Figures map[string]float64 `json:"figures"`
	// Open marks figures that are lower bounds (the vanished clients were
	// still there when the run ended).
	Open map[string]bool `json:"open,omitempty"`
	// Processes and Watched are the run record's server.processes and
	// server.watched_processes: with several processes the server figures
	// are one process's (watchedNote).
	Processes int `json:"server_processes,omitempty"`
	Watched   int `json:"watched_processes,omitempty"`
}

// WriteSweepJSON writes the sweep record as indented JSON.
func WriteSweepJSON(w io.Writer, s *Sweep) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(s)
}

// sweepTable is the comparison table: the varied keys, then every figure
// some run has, then the verdict; repeated runs as ranges.
func sweepTable(s *Sweep) (header []string, rows [][]string) {
	figs := presentFigures(s)
	header = append(append([]string(nil), s.Keys...), figureLabels(figs)...)
	header = append(header, "thresholds")
	for _, r := range s.Rows {
		row := append([]string(nil), r.Values...)
		for _, f := range figs {
			row = append(row, rangeCell(r.Runs, f))
		}
		row = append(row, verdictCell(r.Runs))
		rows = append(rows, row)
	}
	return header, rows
}

// presentFigures are the figures at least one run of the sweep has.
func presentFigures(s *Sweep) []FigureInfo {
	var out []FigureInfo
	for _, f := range Figures {
	rows:
		for _, r := range s.Rows {
			for _, run := range r.Runs {
				if _, ok := run.Figures[f.Key]; ok {
					out = append(out, f)
					break rows
				}
			}
		}
	}
	return out
}

func figureLabels(figs []FigureInfo) []string {
	out := make([]string, len(figs))
	for i, f := range figs {
		out[i] = f.Label
	}
	return out
}

// rangeCell is a figure over runs: one value, or low–high when the runs
// differ; > marks a lower bound, - no value.
func rangeCell(runs []SweepRun, f FigureInfo) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	open := false
	for _, r := range runs {
		v, ok := r.Figures[f.Key]
		if !ok {
			continue
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
		open = open || r.Open[f.Key]
	}
	if math.IsInf(lo, 1) {
		return "-"
	}
	mark := ""
	if open {
		mark = ">"
	}
	a, b := formatFigure(lo, f.Prec), formatFigure(hi, f.Prec)
	if a == b {
		return mark + a
	}
	return mark + a + "–" + b
}

func formatFigure(v float64, prec int) string {
	return strconv.FormatFloat(v, 'f', prec, 64)
}

// verdictCell says how many of the runs held every threshold.
func verdictCell(runs []SweepRun) string {
	ok, failed := 0, 0
	for _, r := range runs {
		switch {
		case r.Error != "":
			failed++
		case r.OK:
			ok++
		default:
			failed++
		}
	}
	switch {
	case failed == 0:
		return "ok"
	case ok == 0 && len(runs) == 1:
		if runs[0].Error != "" {
			return "error"
		}
		return "FAIL"
	}
	return fmt.Sprintf("%d of %d ok", ok, len(runs))
}

// writeTable writes rows under header as aligned text columns.
func writeTable(w io.Writer, header []string, rows [][]string) error {
	widths := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-len([]rune(c))))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMarkdownTable writes rows under header as a markdown table.
func writeMarkdownTable(w io.Writer, header []string, rows [][]string) error {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + strings.ReplaceAll(c, "|", `\|`) + " |")
		}
		b.WriteByte('\n')
	}
	line(header)
	b.WriteString("|" + strings.Repeat(" --- |", len(header)) + "\n")
	for _, r := range rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// watchedNote says where the server figures come from when a run had
// several refserver processes of which the watch read fewer; "" otherwise.
func watchedNote(processes, watched int) string {
	if processes <= 1 || watched <= 0 || watched >= processes {
		return ""
	}
	return fmt.Sprintf("the server figures (CPU, RSS and bytes per client) come from %d of %d refserver processes, per client of that process's own sessions", watched, processes)
}

// sweepWatched is watchedNote for the run of a sweep with the most
// processes.
func sweepWatched(s *Sweep) string {
	var pick SweepRun
	for _, r := range s.Rows {
		for _, run := range r.Runs {
			if run.Processes > pick.Processes {
				pick = run
			}
		}
	}
	return watchedNote(pick.Processes, pick.Watched)
}
