package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/stampede-sio/stampede/internal/threshold"
)

// ThresholdResult is the outcome of one threshold over a run.
type ThresholdResult struct {
	Expr   string  `json:"expr"`
	OK     bool    `json:"ok"`
	Actual string  `json:"actual"` // for people: "12.3ms", "0.052%", "1200", "no data"
	Value  float64 `json:"value"`  // the measured value in the threshold's unit (see threshold.Threshold.Value)
	Err    string  `json:"error,omitempty"`
}

// DefaultDropThreshold holds unless a scenario tolerates dropped starts:
// a generator that gave up on starts measured a smaller load than asked for.
const DefaultDropThreshold = threshold.MetricStartsDropped + " == 0"

// WithDefaultThresholds returns exprs with DefaultDropThreshold added
// unless one of them is about starts_dropped (the scenario set its own
// tolerance, e.g. starts_dropped < 1%).
func WithDefaultThresholds(exprs []string) []string {
	for _, e := range exprs {
		t, err := threshold.Parse(e)
		if err == nil && t.Metric == threshold.MetricStartsDropped || err != nil && strings.Contains(e, threshold.MetricStartsDropped) {
			return exprs
		}
	}
	return append(slices.Clip(exprs), DefaultDropThreshold)
}

// Evaluate checks every threshold against the run. ok is true when every
// one holds; one that cannot be parsed or has no data fails.
func Evaluate(run *Run, thresholds []string) ([]ThresholdResult, bool) {
	results := make([]ThresholdResult, 0, len(thresholds))
	allOK := true
	for _, expr := range thresholds {
		t, err := threshold.Parse(expr)
		var res ThresholdResult
		if err != nil {
			res = ThresholdResult{Expr: expr, Actual: "invalid", Err: err.Error()}
		} else {
			res = evaluate(t, run)
		}
		allOK = allOK && res.OK
		results = append(results, res)
	}
	return results, allOK
}

// evaluate checks t against the run. A time statistic of a
// timer with no recorded value, a rate over a run of no length and an
// error_rate with no operation fail with Actual "no data": a threshold that
// cannot be checked does not hold. Counts of what was never recorded are
// zero (connections == 0, ack_count == 0 hold on an empty run).
func evaluate(t threshold.Threshold, run *Run) ThresholdResult {
	res := ThresholdResult{Expr: t.Expr, Actual: "no data"}
	v, text, ok := measure(t, run)
	if !ok {
		return res
	}
	res.Value, res.Actual = v, text
	switch t.Op {
	case "<":
		res.OK = v < t.Value
	case "<=":
		res.OK = v <= t.Value
	case ">":
		res.OK = v > t.Value
	case ">=":
		res.OK = v >= t.Value
	case "==":
		res.OK = v == t.Value
	}
	return res
}

// measure is what t compares: the value, as people read it, and whether
// there was data.
func measure(t threshold.Threshold, run *Run) (float64, string, bool) {
	m, _ := threshold.LookupMetric(t.Metric)
	secs := run.Seconds()
	switch m.Kind {
	case threshold.KindRate:
		r, ok := run.ErrorRate(t.Tags)
		return r, formatPercent(r), ok
	case threshold.KindCounter:
		n := run.Counter(t.Metric, t.Tags)
		if t.Share {
			return startsShare(run, n)
		}
		if t.Stat == "rate" {
			return perSecond(float64(n), secs)
		}
		return float64(n), strconv.FormatInt(n, 10), true
	}
	h, unit, ok := run.Aggregate(t.Metric, t.Tags)
	var n int64
	if ok {
		n = h.TotalCount()
	}
	switch {
	case t.Stat == "count": // like a counter: nothing recorded is zero
		return float64(n), strconv.FormatInt(n, 10), true
	case t.Stat == "rate":
		return perSecond(float64(n), secs)
	case n == 0:
		return 0, "", false
	}
	_, div := summaryUnit(unit)
	var v float64
	switch t.Stat {
	case "min":
		v = float64(h.Min()) / div
	case "max":
		v = float64(h.Max()) / div
	case "mean", "avg":
		v = h.Mean() / div
	default:
		p, _ := t.Percentile()
		v = float64(h.ValueAtPercentile(p)) / div
	}
	return v, formatMs(v), true
}

// startsShare is n over the starts the generator meant to make (made or
// dropped); with none meant, nothing was dropped or delayed: 0.
func startsShare(run *Run, n int64) (float64, string, bool) {
	intended := run.Counter(threshold.MetricStarts, nil) + run.Counter(threshold.MetricStartsDropped, nil)
	if intended == 0 {
		return 0, "0% of 0", true
	}
	r := float64(n) / float64(intended)
	return r, fmt.Sprintf("%s (%d of %d)", formatPercent(r), n, intended), true
}

func perSecond(n, secs float64) (float64, string, bool) {
	if secs <= 0 {
		return 0, "", false
	}
	r := n / secs
	return r, strconv.FormatFloat(math.Round(r*100)/100, 'f', -1, 64) + "/s", true
}

func formatPercent(r float64) string {
	return strconv.FormatFloat(r*100, 'g', 3, 64) + "%"
}
