package conformance

import (
	"fmt"
	"io"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/reports"
)

// progress writes how a run goes: on a terminal a line per case as it
// ends ("[ 12/197] pass EIO-4/open-packet 0.1s"), elsewhere (a CI log) a
// line per layer once its last case ended ("engineio: 46 cases, 44 pass,
// 2 skip, 12.3s"). Its caller serializes the calls to done.
type progress struct {
	w        io.Writer
	terminal bool
	start    time.Time
	total    int
	ended    int
	width    int                    // digits of total
	left     map[string]int         // cases of each layer not ended yet
	counts   map[string]*layerCount // outcomes of each layer so far
}

type layerCount struct {
	cases int
	by    map[string]int // status -> cases
}

func newProgress(w io.Writer, terminal bool, cases []check.Case) *progress {
	p := &progress{w: w, terminal: terminal, start: time.Now(), total: len(cases),
		width: len(fmt.Sprint(len(cases))), left: map[string]int{}, counts: map[string]*layerCount{}}
	for _, c := range cases {
		l := string(c.Layer)
		p.left[l]++
		if p.counts[l] == nil {
			p.counts[l] = &layerCount{by: map[string]int{}}
		}
		p.counts[l].cases++
	}
	return p
}

// statusOrder is the order of the counts in a layer's line.
var statusOrder = []string{reports.StatusPass, reports.StatusFail, reports.StatusWarn, reports.StatusSkip}

func (p *progress) done(r reports.CheckCase) {
	p.ended++
	if p.terminal {
		fmt.Fprintf(p.w, "[%*d/%d] %-4s %s %.1fs\n", p.width, p.ended, p.total, r.Status, r.ID, r.Duration)
		return
	}
	lc := p.counts[r.Layer]
	if lc == nil { // a case outside the announced selection: nothing to count it in
		return
	}
	lc.by[r.Status]++
	if p.left[r.Layer]--; p.left[r.Layer] > 0 {
		return
	}
	line := fmt.Sprintf("%s: %d cases", r.Layer, lc.cases)
	for _, st := range statusOrder {
		if n := lc.by[st]; n > 0 {
			line += fmt.Sprintf(", %d %s", n, st)
		}
	}
	fmt.Fprintf(p.w, "%s, %.1fs\n", line, time.Since(p.start).Seconds())
}
