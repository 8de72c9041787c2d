package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
)

// WriteRunMarkdown renders a load run as Markdown to paste into a pull
// request: one line on what ran, the verdict, then tables of the
// latencies, the thresholds and the errors.
func WriteRunMarkdown(w io.Writer, r *Run) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "### stampede run `%s`: %s\n\n", r.Scenario, runVerdict(r))
	e := r.Environment
	fmt.Fprintf(bw, "%s against %s, %s, stampede %s on %s/%s (%d CPUs)\n",
		e.Start.UTC().Format(time.RFC3339), mdCode(strings.Join(r.Targets, ", ")), seconds(r.Seconds()), e.Version, e.GOOS, e.GOARCH, e.CPUs)
	if r.Interrupted {
		fmt.Fprintln(bw, "\n**Interrupted: partial results.**")
	}
	if dropped := r.Counter(threshold.MetricStartsDropped, nil); dropped > 0 {
		fmt.Fprintf(bw, "\n**%d starts dropped**: the generator fell behind; the load was smaller than asked for.\n", dropped)
	}
	if len(r.Histograms) > 0 {
		fmt.Fprintln(bw, "\n| latency | count | p50 | p90 | p99 | max |\n| --- | ---: | ---: | ---: | ---: | ---: |")
		for _, h := range r.Histograms {
			fmt.Fprintf(bw, "| %s | %d | %s | %s | %s | %s |\n", mdEscape(h.Metric+tagLabel(h.Tags)), h.Count,
				histValue(h, h.P50), histValue(h, h.P90), histValue(h, h.P99), histValue(h, h.Max))
		}
	}
	writeCountersMarkdown(bw, r)
	if len(r.Thresholds) > 0 {
		fmt.Fprintln(bw, "\n| threshold | actual | |\n| --- | --- | --- |")
		for _, t := range r.Thresholds {
			actual := t.Actual
			if t.Err != "" {
				actual = t.Err
			}
			fmt.Fprintf(bw, "| %s | %s | %s |\n", mdCode(t.Expr), mdEscape(actual), passFail(t.OK))
		}
	}
	if len(r.Errors) > 0 {
		fmt.Fprintln(bw, "\n| error | count | first message |\n| --- | ---: | --- |")
		for _, e := range r.Errors {
			first := ""
			if len(e.Messages) > 0 {
				first = e.Messages[0]
			}
			fmt.Fprintf(bw, "| %s | %d | %s |\n", mdEscape(e.Kind), e.Count, mdEscape(first))
		}
	}
	return bw.Flush()
}

func writeCountersMarkdown(w io.Writer, r *Run) {
	g := r.Generator
	fmt.Fprintf(w, "\nconnections %d, messages sent %d, received %d, errors %d; generator lag p99 %s",
		r.Counter(threshold.MetricConnections, nil), r.Counter(threshold.MetricMessagesSent, nil), r.Counter(threshold.MetricMessagesReceived, nil),
		r.Counter(threshold.MetricErrors, nil), formatMs(g.LagP99))
	if g.Overloaded() {
		fmt.Fprint(w, " (**overloaded**: latencies include its own delay)")
	}
	fmt.Fprintln(w)
}

// runVerdict is PASS when every threshold held and the run was whole.
func runVerdict(r *Run) string {
	for _, t := range r.Thresholds {
		if !t.OK {
			return "**FAIL**"
		}
	}
	if r.Interrupted {
		return "**INTERRUPTED**"
	}
	return "**PASS**"
}

// WriteCheckMarkdown renders a conformance run as Markdown: the summary
// and a table of every case that did not pass.
func WriteCheckMarkdown(w io.Writer, c *Check) error {
	bw := bufio.NewWriter(w)
	verdict := "**PASS**"
	if c.Summary.Decisive > 0 {
		verdict = "**FAIL**"
	}
	s := c.Summary
	fmt.Fprintf(bw, "### stampede check %s: %s\n\nprofile %s%s, %d passed, %d failed, %d warned, %d skipped (%d cases in %s)\n",
		mdCode(c.Target), verdict, c.Profile, map[bool]string{true: ", strict"}[c.Strict],
		s.Passed, s.Failed, s.Warned, s.Skipped, len(c.Cases), seconds(c.Duration))
	first := true
	for _, cs := range c.Cases {
		if cs.Status == StatusPass {
			continue
		}
		if first {
			fmt.Fprintln(bw, "\n| case | layer | level | status | reason |\n| --- | --- | --- | --- | --- |")
			first = false
		}
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", mdCode(cs.ID), cs.Layer, cs.Level, cs.Status, mdEscape(caseReason(cs)))
	}
	for _, n := range c.Notes {
		fmt.Fprintf(bw, "\nnote: %s\n", mdEscape(n))
	}
	return bw.Flush()
}

// histValue formats a summary value of h in its unit.
func histValue(h HistogramRecord, v float64) string {
	if h.Unit == UnitMilliseconds {
		return formatMs(v)
	}
	return fmt.Sprintf("%g%s", v, h.Unit)
}

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "**FAIL**"
}

// mdEscape keeps a value inside one table cell: pipes escaped, line
// breaks as spaces.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}

// mdCode quotes s as inline code, with a fence longer than any backtick
// run inside it.
func mdCode(s string) string {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + mdEscape(s) + pad + fence
}

// caseReason is a case's one-line reason, or what it expected and got.
func caseReason(cs CheckCase) string {
	if cs.Reason != "" || cs.Expected == "" {
		return cs.Reason
	}
	return fmt.Sprintf("expected %s, got %s", cs.Expected, cs.Actual)
}
