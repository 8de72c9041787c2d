package reports

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// The formats stampede report compare writes.
var CompareFormats = []string{FormatText, FormatJSON, FormatMarkdown, FormatHTML}

// CompareReporter renders a comparison in one format.
type CompareReporter func(io.Writer, *Comparison) error

var compareReporters = map[string]CompareReporter{
	FormatText: WriteCompareText, FormatJSON: WriteCompareJSON, FormatMarkdown: WriteCompareMarkdown, FormatHTML: WriteCompareHTML,
}

// Write renders the comparison in format (one of CompareFormats).
func (c *Comparison) Write(w io.Writer, format string) error {
	write, ok := compareReporters[format]
	if !ok {
		return fmt.Errorf("unknown format %q: want one of %s", format, strings.Join(CompareFormats, ", "))
	}
	return write(w, c)
}

// WriteCompareJSON writes the comparison as indented JSON.
func WriteCompareJSON(w io.Writer, c *Comparison) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(c)
}

// recordLetter names the i-th record in tables: A (the baseline), B, ….
func recordLetter(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return fmt.Sprintf("R%d", i+1)
}

// WriteCompareText renders the comparison for people: the records, the
// rules with their verdict, then each section's rows with every later
// record's difference and ratio to the first.
func WriteCompareText(w io.Writer, c *Comparison) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "stampede report compare: %d records, %s the baseline: %s\n", len(c.Records), recordLetter(0), c.verdict())
	tw := newTable(bw)
	for i, r := range c.Records {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\tran %s\t%s\n", recordLetter(i), r.Name, r.Scenario, r.Start.Format(time.RFC3339), seconds(r.Seconds), r.Verdict)
	}
	tw.Flush()
	writeRulesText(bw, c.Rules)
	for _, sec := range c.sections() {
		tw := newTable(bw)
		fmt.Fprintf(tw, "\n%s", sec)
		for i := range c.Records {
			fmt.Fprintf(tw, "\t%s", recordLetter(i))
			if i > 0 {
				fmt.Fprintf(tw, "\tΔ %s\t× %s", recordLetter(i), recordLetter(i))
			}
		}
		fmt.Fprintln(tw)
		for _, row := range c.Rows {
			if row.Section != sec {
				continue
			}
			fmt.Fprint(tw, row.Name)
			for i := range row.Values {
				fmt.Fprintf(tw, "\t%s", row.value(i))
				if i > 0 {
					d, x := row.change(0, i)
					fmt.Fprintf(tw, "\t%s\t%s", d, x)
				}
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}
	return bw.Flush()
}

func writeRulesText(w io.Writer, rules []RuleResult) {
	if len(rules) == 0 {
		return
	}
	fmt.Fprintln(w, "\nrules (--fail-if)")
	tw := newTable(w)
	for _, r := range rules {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", map[bool]string{true: "ok", false: "FAIL"}[r.OK], r.Expr, r.Record, r.Describe())
	}
	tw.Flush()
}

// Describe says what the rule compared: "5.6ms against 4.9ms: +14.3%".
func (r RuleResult) Describe() string {
	if r.Err != "" {
		return fmt.Sprintf("%s against %s: %s", r.Later, r.First, r.Err)
	}
	return fmt.Sprintf("%s against %s: %s", r.Later, r.First, r.Change)
}

// verdict is PASS, or FAIL with how many rules broke; "" without rules.
func (c *Comparison) verdict() string {
	if len(c.Rules) == 0 {
		return "no rules"
	}
	broken := 0
	for _, r := range c.Rules {
		if !r.OK {
			broken++
		}
	}
	if broken == 0 {
		return fmt.Sprintf("PASS (%d rules held)", len(c.Rules))
	}
	return fmt.Sprintf("FAIL (%d of %d rules broke)", broken, len(c.Rules))
}

// sections lists the rows' sections in order of appearance.
func (c *Comparison) sections() []string {
	var out []string
	for _, r := range c.Rows {
		if !slices.Contains(out, r.Section) {
			out = append(out, r.Section)
		}
	}
	return out
}

// value writes the i-th record's value, "-" when it has none.
func (row CompareRow) value(i int) string {
	if row.Values[i] == nil {
		return "-"
	}
	return formatIn(*row.Values[i], row.Unit)
}

// change is record j's difference and ratio to record i, "-" and "" when
// either has no value.
func (row CompareRow) change(i, j int) (diff, times string) {
	a, b := row.Values[i], row.Values[j]
	if a == nil || b == nil {
		return "-", ""
	}
	return formatDiff(*b-*a, row.Unit), ratio(*a, *b)
}

// markdownStats are the latency statistics the Markdown keeps, to stay
// short enough for a pull-request comment.
var markdownStats = []string{"_p50", "_p99"}

// WriteCompareMarkdown renders the comparison as Markdown to paste into a
// pull request: the verdict and broken rules first, the records, then one
// table of p50 and p99 of every timer, throughput, errors, the generator
// and the servers, each later record's cell with its change.
func WriteCompareMarkdown(w io.Writer, c *Comparison) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "### stampede report compare: %s\n\n", mdVerdict(c))
	for _, r := range c.Rules {
		fmt.Fprintf(bw, "- %s %s on %s: %s\n", passFail(r.OK), mdCode(r.Expr), mdEscape(r.Record), mdEscape(r.Describe()))
	}
	if len(c.Rules) > 0 {
		fmt.Fprintln(bw)
	}
	fmt.Fprintln(bw, "| | record | scenario | started | ran | verdict |\n| --- | --- | --- | --- | ---: | --- |")
	for i, r := range c.Records {
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %s |\n", recordLetter(i), mdCode(r.Name), mdEscape(r.Scenario), r.Start.Format(time.RFC3339), seconds(r.Seconds), r.Verdict)
	}
	var headline, more []CompareRow
	for _, row := range c.Rows {
		switch {
		case !row.inMarkdown():
		case c.headline(row):
			headline = append(headline, row)
		default:
			more = append(more, row)
		}
	}
	writeMarkdownRows(bw, len(c.Records), headline)
	if len(more) > 0 {
		fmt.Fprint(bw, "\n<details><summary>by phase, event and kind; the generator and the servers</summary>\n")
		writeMarkdownRows(bw, len(c.Records), more)
		fmt.Fprintln(bw, "\n</details>")
	}
	return bw.Flush()
}

// writeMarkdownRows writes one table of rows, each later record's cell
// with its change to the first.
func writeMarkdownRows(w io.Writer, records int, rows []CompareRow) {
	fmt.Fprint(w, "\n| metric |")
	for i := range records {
		fmt.Fprintf(w, " %s |", recordLetter(i))
	}
	fmt.Fprint(w, "\n| --- |"+strings.Repeat(" ---: |", records)+"\n")
	for _, row := range rows {
		name := row.Name
		if strings.HasPrefix(row.Section, sectionPhase) {
			name = strings.TrimPrefix(row.Section, sectionPhase) + ": " + name
		}
		fmt.Fprintf(w, "| %s |", mdEscape(name))
		for i := range row.Values {
			cell := row.value(i)
			if d, x := row.change(0, i); i > 0 && d != "-" && d != "±0" {
				cell += " (" + strings.TrimSpace(d+" "+x) + ")"
			}
			fmt.Fprintf(w, " %s |", mdEscape(cell))
		}
		fmt.Fprintln(w)
	}
}

// markdownHeadline are the rows of the Markdown's first table besides
// the latencies; the others fold into a <details> block.
var markdownHeadline = []string{"connections", "errors", "error_rate", "lag_p99", "starts_dropped", "server_cpu_mean", "server_rss_max"}

// headline reports whether row belongs to the Markdown's first table: the
// whole run's latencies, the totals of throughput (a metric's only tag set
// when it has no total), errors, lag p99, dropped starts, server CPU and
// memory.
func (c *Comparison) headline(row CompareRow) bool {
	switch {
	case strings.HasPrefix(row.Section, sectionPhase):
		return false
	case row.Section == SectionLatency:
		return true
	case row.Section == SectionThroughput:
		metric, _, tagged := strings.Cut(row.Name, "{")
		return !tagged || !slices.ContainsFunc(c.Rows, func(r CompareRow) bool { return r.Name == metric })
	}
	return slices.Contains(markdownHeadline, row.Name)
}

// inMarkdown keeps latency rows of p50 and p99 only (the text and HTML
// have p90 and max too).
func (row CompareRow) inMarkdown() bool {
	if row.Section != SectionLatency && row.Section != SectionGenerator && !strings.HasPrefix(row.Section, sectionPhase) || row.Unit != UnitMilliseconds {
		return true
	}
	for _, s := range markdownStats {
		if strings.Contains(row.Name, s+"{") || strings.HasSuffix(row.Name, s) {
			return true
		}
	}
	return false
}

func mdVerdict(c *Comparison) string {
	v := c.verdict()
	if strings.HasPrefix(v, "FAIL") {
		return "**" + v + "**"
	}
	return v
}
