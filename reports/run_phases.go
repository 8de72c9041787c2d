package reports

import (
	"fmt"
	"io"
	"slices"
)

// PhaseRecord is the latency of one phase of the run: the scenario's
// phases by name, then "teardown" (the end of the run, while the clients
// are stopped). A value counts in the phase in progress when it was
// recorded (an ack in the phase its answer came in). Histograms are as in
// Run.Histograms, for the values of this phase alone; a metric with no
// value in the phase is absent.
type PhaseRecord struct {
	Name       string            `json:"name"`
	Start      float64           `json:"start_s"` // seconds from the run's start
	End        float64           `json:"end_s"`
	Histograms []HistogramRecord `json:"histograms"`
}

// TeardownPhase names the phase of the run's end (PhaseRecord).
const TeardownPhase = "teardown"

// SortHistograms puts histograms in the order reporters show them:
// metrics as threshold.Metrics lists them, then by tags.
func SortHistograms(hs []HistogramRecord) {
	slices.SortStableFunc(hs, func(a, b HistogramRecord) int { return compareSeries(a.Metric, a.Tags, b.Metric, b.Tags) })
}

// mergePhases merges the segments' phases by name, in the first run's
// order: histograms merged exactly, the earliest start and the latest end.
func mergePhases(runs []*Run) ([]PhaseRecord, error) {
	var out []PhaseRecord
	index := map[string]int{}
	var sets [][][]HistogramRecord
	for _, r := range runs {
		for _, p := range r.Phases {
			i, ok := index[p.Name]
			if !ok {
				i = len(out)
				index[p.Name] = i
				out = append(out, PhaseRecord{Name: p.Name, Start: p.Start, End: p.End})
				sets = append(sets, nil)
			}
			out[i].Start, out[i].End = min(out[i].Start, p.Start), max(out[i].End, p.End)
			sets[i] = append(sets[i], p.Histograms)
		}
	}
	for i := range out {
		hs, err := mergeHistograms(sets[i])
		if err != nil {
			return nil, fmt.Errorf("phase %s: %w", out[i].Name, err)
		}
		SortHistograms(hs)
		out[i].Histograms = hs
	}
	return out, nil
}

// writePhaseLatencies gives each phase's latencies apart, so that a hold
// reads apart from its ramp and the teardown.
func writePhaseLatencies(w io.Writer, phases []PhaseRecord) {
	if len(phases) == 0 {
		return
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "\nphase\tlatency\tcount\tp50\tp90\tp99\tmax")
	for _, p := range phases {
		name := fmt.Sprintf("%s (%s–%s)", p.Name, seconds(p.Start), seconds(p.End))
		if len(p.Histograms) == 0 {
			fmt.Fprintf(tw, "%s\t-\n", name)
		}
		for i, h := range p.Histograms {
			if i > 0 {
				name = ""
			}
			writeLatencyRow(tw, name+"\t", h)
		}
	}
	tw.Flush()
}
