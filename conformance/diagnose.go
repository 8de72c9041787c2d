package conformance

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/reports"
)

// A layer "does not apply" to the target when at least minRan of its cases
// ran (were not skipped) and at least notApplyPercent of those failed: not
// a server with a few bugs, but another kind of server (a plain Socket.IO
// server checked for open-webui's behaviour fails every app case, most at
// the first user-join).
const (
	minRan          = 5
	notApplyPercent = 90
)

// diagnose returns one note per selected layer that does not apply to the
// target: what the target does not look like, the count, the failure seen
// most, and what to pass instead.
func diagnose(t *check.Target, cases []check.Case, results []reports.CheckCase) []string {
	var selected []check.Layer
	for _, c := range cases {
		if !slices.Contains(selected, c.Layer) {
			selected = append(selected, c.Layer)
		}
	}
	var wrong []check.Layer
	evidence := map[check.Layer]string{}
	for _, l := range selected {
		ran, failed, expected := layerOutcome(results, l)
		if ran >= minRan && failed*100 >= ran*notApplyPercent {
			wrong = append(wrong, l)
			evidence[l] = fmt.Sprintf("%s: %d of %d failed, most often expecting %s", l, failed, ran, expected)
		}
	}
	var others []string
	for _, l := range selected {
		if !slices.Contains(wrong, l) {
			others = append(others, string(l))
		}
	}
	var notes []string
	for _, l := range wrong {
		what, advice := notApplying(t, l)
		note := fmt.Sprintf("the target does not look like %s (%s)", what, evidence[l])
		switch {
		case advice != "" && len(others) > 0:
			note += fmt.Sprintf("; %s, or to check only what applies, pass --layer %s", advice, strings.Join(others, ","))
		case advice != "":
			note += "; " + advice
		case len(others) > 0:
			note += "; to check only what applies, pass --layer " + strings.Join(others, ",")
		}
		notes = append(notes, note)
	}
	return notes
}

// layerOutcome counts a layer's cases that ran and failed (or warned), and
// names the expectation its failures had most often.
func layerOutcome(results []reports.CheckCase, l check.Layer) (ran, failed int, expected string) {
	seen := map[string]int{}
	for _, r := range results {
		if r.Layer != string(l) || r.Status == reports.StatusSkip {
			continue
		}
		ran++
		if r.Status == reports.StatusFail || r.Status == reports.StatusWarn {
			failed++
			seen[r.Expected]++
			if seen[r.Expected] > seen[expected] {
				expected = r.Expected
			}
		}
	}
	return ran, failed, fmt.Sprintf("%q", expected)
}

// notApplying says what kind of server a layer is for, and what to pass when
// the target is another kind.
func notApplying(t *check.Target, l check.Layer) (what, advice string) {
	switch l {
	case check.LayerEngineIO:
		return fmt.Sprintf("an Engine.IO v4 server at %s and %s", t.Path, t.EnginePath),
			"pass --path and --engineio-path where it serves Engine.IO"
	case check.LayerSocketIO:
		return fmt.Sprintf("a Socket.IO server with the echo namespace %s (PROTOCOL.md section 10)", t.EchoNamespace),
			"pass --echo-namespace with the namespace it echoes on"
	case check.LayerApp:
		return "open-webui", ""
	}
	return fmt.Sprintf("a server for the %s layer", l), ""
}
