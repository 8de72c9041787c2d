package reports

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// WriteCheckText renders a conformance run as a tree grouped by section:
// every case with its status and duration, and for each failure the
// requirement, expected, actual and the packets exchanged.
func WriteCheckText(w io.Writer, c *Check) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "stampede check %s (profile %s%s)\n", c.Target, c.Profile, map[bool]string{true: ", strict"}[c.Strict])
	for _, sec := range sections(c.Cases) {
		title := sectionTitles[sec]
		if title == "" {
			title = sec
		}
		fmt.Fprintf(bw, "\n%s  %s\n", sec, title)
		for _, cs := range c.Cases {
			if cs.Section == sec {
				writeCaseText(bw, cs)
			}
		}
	}
	s := c.Summary
	fmt.Fprintf(bw, "\n%d passed, %d failed, %d warned, %d skipped (%d cases in %s)\n",
		s.Passed, s.Failed, s.Warned, s.Skipped, len(c.Cases), seconds(c.Duration))
	for _, n := range c.Notes {
		fmt.Fprintf(bw, "note: %s\n", n)
	}
	return bw.Flush()
}

func writeCaseText(w io.Writer, cs CheckCase) {
	switch cs.Status {
	case StatusPass:
		fmt.Fprintf(w, "  PASS %s (%s)\n", cs.ID, seconds(cs.Duration))
	case StatusSkip:
		fmt.Fprintf(w, "  SKIP %s: %s\n", cs.ID, cs.Reason)
	case StatusWarn:
		fmt.Fprintf(w, "  WARN %s (%s, stricter than upstream: %s)\n", cs.ID, seconds(cs.Duration), cs.Upstream)
		writeFailureText(w, cs)
	default:
		fmt.Fprintf(w, "  FAIL %s (%s, %s)\n", cs.ID, seconds(cs.Duration), cs.Level)
		writeFailureText(w, cs)
	}
}

// writeFailureText is what a failed or warned case shows below its line.
func writeFailureText(w io.Writer, cs CheckCase) {
	fmt.Fprintf(w, "       requirement: %s\n", cs.Requirement)
	fmt.Fprintf(w, "       expected:    %s\n", cs.Expected)
	fmt.Fprintf(w, "       actual:      %s\n", cs.Actual)
	if len(cs.Exchange) > 0 {
		fmt.Fprintf(w, "       exchange:\n")
		for _, e := range cs.Exchange {
			fmt.Fprintf(w, "         %s\n", e)
		}
	}
}

// sections lists the sections present, in PROTOCOL.md's order, unknown ones last.
func sections(cases []CheckCase) []string {
	var out []string
	for _, cs := range cases {
		if !slices.Contains(out, cs.Section) {
			out = append(out, cs.Section)
		}
	}
	rank := func(s string) int {
		if i := slices.Index(sectionOrder, s); i >= 0 {
			return i
		}
		return len(sectionOrder)
	}
	slices.SortStableFunc(out, func(a, b string) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return out
}

func seconds(s float64) string {
	d := time.Duration(s * float64(time.Second))
	if d < time.Second {
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
