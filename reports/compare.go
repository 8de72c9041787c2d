package reports

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
)

// CompareSchema is the version of the Comparison JSON.
const CompareSchema = 1

// The sections of a comparison, in the order reporters show them.
const (
	SectionLatency    = "latency"
	SectionThroughput = "throughput"
	SectionErrors     = "errors"
	SectionGenerator  = "generator"
	SectionServer     = "server"
	sectionPhase      = "phase " // + the phase's name
)

// The units of comparison rows.
const (
	unitCount   = ""
	unitPerSec  = "/s"
	unitPercent = "%" // the value is a fraction
	unitMiB     = "MiB"
	unitCores   = "cores"
)

// Comparison is several run records side by side (stampede report
// compare): the same metrics of each, and the change rules (--fail-if)
// checked for every later record against the first.
type Comparison struct {
	Schema  int             `json:"schema"`
	Records []CompareRecord `json:"records"`
	Rows    []CompareRow    `json:"rows"`
	Rules   []RuleResult    `json:"rules,omitempty"`
	runs    []*Run          // for the plots
}

// CompareRecord says which run a column is.
type CompareRecord struct {
	Name     string    `json:"name"` // as the caller named it (the file)
	Scenario string    `json:"scenario"`
	Start    time.Time `json:"start"`
	Seconds  float64   `json:"seconds"`
	Targets  []string  `json:"targets"`
	Verdict  string    `json:"verdict"` // pass, fail (a threshold) or interrupted
}

// CompareRow is one metric in every record. Name is written as a
// threshold (and a --fail-if rule) names it, ack_p99{event:chat}, except
// the server's figures, which no threshold reads.
type CompareRow struct {
	Section string     `json:"section"`
	Name    string     `json:"name"`
	Unit    string     `json:"unit"`   // ms, /s, % (of a fraction), MiB, cores, or "" for a count
	Values  []*float64 `json:"values"` // one per record; null where the record has no data
}

// RuleResult is one change rule checked on one later record.
type RuleResult struct {
	Expr   string  `json:"expr"`
	Record string  `json:"record"` // the later record's name
	OK     bool    `json:"ok"`
	First  string  `json:"first"` // the values compared, for people
	Later  string  `json:"later"`
	Change string  `json:"change"` // +14.2% or +3.1ms
	Value  float64 `json:"change_value"`
	Err    string  `json:"error,omitempty"` // no data
}

// ErrCompare is wrapped by Compare's errors.
var ErrCompare = errors.New("reports: cannot compare")

// Compare lays runs side by side, the first the baseline, named by names,
// and checks every rule on every later run.
func Compare(names []string, runs []*Run, rules []threshold.Change) (*Comparison, error) {
	switch {
	case len(runs) < 2:
		return nil, fmt.Errorf("%w: want two records or more, got %d", ErrCompare, len(runs))
	case len(names) != len(runs):
		return nil, fmt.Errorf("%w: %d names for %d records", ErrCompare, len(names), len(runs))
	}
	c := &Comparison{Schema: CompareSchema, runs: runs}
	for i, r := range runs {
		c.Records = append(c.Records, CompareRecord{Name: names[i], Scenario: r.Scenario, Start: r.Environment.Start.UTC(),
			Seconds: r.Seconds(), Targets: r.Targets, Verdict: verdictWord(r)})
	}
	c.Rows = compareRows(runs)
	for _, rule := range rules {
		for i := 1; i < len(runs); i++ {
			c.Rules = append(c.Rules, checkRule(rule, names[i], runs[0], runs[i]))
		}
	}
	return c, nil
}

// OK reports whether every rule held.
func (c *Comparison) OK() bool {
	return !slices.ContainsFunc(c.Rules, func(r RuleResult) bool { return !r.OK })
}

func verdictWord(r *Run) string {
	switch {
	case r.Interrupted:
		return "interrupted"
	case slices.ContainsFunc(r.Thresholds, func(t ThresholdResult) bool { return !t.OK }):
		return "fail"
	}
	return "pass"
}

// checkRule measures the rule's metric in the first and the later run. A
// metric without data in either breaks the rule: it cannot be checked.
func checkRule(rule threshold.Change, name string, first, later *Run) RuleResult {
	res := RuleResult{Expr: rule.Expr, Record: name}
	t := rule.Threshold()
	a, aText, okA := measure(t, first)
	b, bText, okB := measure(t, later)
	res.First, res.Later = cmpOr(aText, okA), cmpOr(bText, okB)
	if !okA || !okB {
		res.Err = "no data"
		return res
	}
	res.OK, res.Value = rule.Holds(a, b)
	if rule.Relative {
		res.Change = signedPercent(res.Value)
	} else {
		res.Change = formatDiff(res.Value, ruleUnit(t))
	}
	return res
}

func cmpOr(text string, ok bool) string {
	if !ok {
		return "no data"
	}
	return text
}

// ruleUnit is the unit a threshold's value is in (threshold.Threshold.Value).
func ruleUnit(t threshold.Threshold) string {
	m, _ := threshold.LookupMetric(t.Metric)
	switch {
	case m.Kind == threshold.KindRate:
		return unitPercent
	case t.Stat == "rate":
		return unitPerSec
	case m.Kind == threshold.KindCounter || t.Stat == "count":
		return unitCount
	}
	return UnitMilliseconds
}

// latencyStats are the statistics a comparison shows of every timer.
var latencyStats = []string{"p50", "p90", "p99", "max"}

// compareRows are the rows of every metric any of the runs has.
func compareRows(runs []*Run) []CompareRow {
	var rows []CompareRow
	measured := func(section string, t threshold.Threshold) {
		row := CompareRow{Section: section, Name: rowName(t), Unit: ruleUnit(t)}
		for _, r := range runs {
			v, _, ok := measure(t, r)
			row.Values = append(row.Values, ptrIf(v, ok))
		}
		rows = append(rows, row)
	}
	timers := seriesKeys(runs, timerKeys)
	for _, k := range timers {
		for _, stat := range latencyStats {
			if k.metric != threshold.MetricLag {
				measured(SectionLatency, threshold.Threshold{Metric: k.metric, Stat: stat, Tags: k.tags})
			}
		}
	}
	measured(SectionThroughput, threshold.Threshold{Metric: threshold.MetricConnections})
	for _, metric := range []string{threshold.MetricMessagesSent, threshold.MetricMessagesReceived} {
		for _, k := range seriesKeys(runs, counterKeys(metric)) {
			measured(SectionThroughput, threshold.Threshold{Metric: metric, Stat: "rate", Tags: k.tags})
		}
	}
	measured(SectionErrors, threshold.Threshold{Metric: threshold.MetricErrors})
	for _, k := range seriesKeys(runs, counterKeys(threshold.MetricErrors)) {
		if len(k.tags) > 0 {
			measured(SectionErrors, threshold.Threshold{Metric: threshold.MetricErrors, Tags: k.tags})
		}
	}
	measured(SectionErrors, threshold.Threshold{Metric: threshold.MetricErrorRate})
	if slices.ContainsFunc(timers, func(k seriesKey) bool { return k.metric == threshold.MetricLag }) {
		for _, stat := range latencyStats {
			measured(SectionGenerator, threshold.Threshold{Metric: threshold.MetricLag, Stat: stat})
		}
	}
	measured(SectionGenerator, threshold.Threshold{Metric: threshold.MetricStartsDropped})
	measured(SectionGenerator, threshold.Threshold{Metric: threshold.MetricStartsDelayed})
	rows = append(rows, serverRows(runs)...)
	return append(rows, phaseRows(runs)...)
}

func ptrIf(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

// rowName writes t as a threshold names it: ack_p99{event:chat}.
func rowName(t threshold.Threshold) string {
	name := t.Metric
	if t.Stat != "" {
		name += "_" + t.Stat
	}
	return name + tagLabel(t.Tags)
}

// seriesKey is a metric with one tag set.
type seriesKey struct {
	metric string
	tags   map[string]string
}

func timerKeys(r *Run) []seriesKey {
	out := make([]seriesKey, len(r.Histograms))
	for i, h := range r.Histograms {
		out[i] = seriesKey{h.Metric, h.Tags}
	}
	return out
}

func counterKeys(metric string) func(*Run) []seriesKey {
	return func(r *Run) []seriesKey {
		var out []seriesKey
		for _, c := range r.Counters {
			if c.Metric == metric {
				out = append(out, seriesKey{c.Metric, c.Tags})
			}
		}
		return out
	}
}

// seriesKeys are the tag sets of every run, in report order; a metric
// with more than one tag set (ack of two events) gets its all-tags row
// (ack over every event) first, one with a single tag set only that.
func seriesKeys(runs []*Run, keys func(*Run) []seriesKey) []seriesKey {
	var out []seriesKey
	for _, r := range runs {
		for _, k := range keys(r) {
			if !slices.ContainsFunc(out, func(x seriesKey) bool { return x.metric == k.metric && maps.Equal(x.tags, k.tags) }) {
				out = append(out, k)
			}
		}
	}
	tagSets := map[string]int{}
	for _, k := range out {
		tagSets[k.metric]++
	}
	for m, n := range tagSets {
		if n > 1 {
			out = append(out, seriesKey{metric: m})
		}
	}
	slices.SortStableFunc(out, func(a, b seriesKey) int { return compareSeries(a.metric, a.tags, b.metric, b.tags) })
	return out
}

// serverRows are the servers' scraped figures and the generator's memory,
// when any run has them.
func serverRows(runs []*Run) []CompareRow {
	type fig struct {
		name, unit string
		f          func([]Point) (float64, bool)
	}
	figs := []fig{
		{"server_cpu_mean", unitCores, func(s []Point) (float64, bool) { return seriesMean(s, func(p Point) *float64 { return p.ServerCPU }) }},
		{"server_cpu_max", unitCores, func(s []Point) (float64, bool) { return seriesMax(s, func(p Point) *float64 { return p.ServerCPU }) }},
		{"server_rss_max", unitMiB, func(s []Point) (float64, bool) {
			return seriesMax(s, func(p Point) *float64 { return mib(p.ServerRSS) })
		}},
		{"server_goroutines_max", unitCount, func(s []Point) (float64, bool) {
			return seriesMax(s, func(p Point) *float64 { return int64f(p.ServerGoroutines) })
		}},
		{"generator_rss_max", unitMiB, func(s []Point) (float64, bool) {
			return seriesMax(s, func(p Point) *float64 { return mib(p.GeneratorRSS) })
		}},
	}
	var rows []CompareRow
	for _, f := range figs {
		row := CompareRow{Section: SectionServer, Name: f.name, Unit: f.unit}
		any := false
		for _, r := range runs {
			v, ok := f.f(r.Series)
			row.Values = append(row.Values, ptrIf(v, ok))
			any = any || ok
		}
		if any {
			rows = append(rows, row)
		}
	}
	return rows
}

func seriesMean(s []Point, f func(Point) *float64) (float64, bool) {
	var sum float64
	var n int
	for _, p := range s {
		if v := f(p); v != nil {
			sum += *v
			n++
		}
	}
	return sum / float64(max(n, 1)), n > 0
}

func seriesMax(s []Point, f func(Point) *float64) (float64, bool) {
	top, seen := math.Inf(-1), false
	for _, p := range s {
		if v := f(p); v != nil {
			top, seen = max(top, *v), true
		}
	}
	return top, seen
}

// phaseRows are the latencies of every phase of the first run but the
// teardown (a hold reads apart from its ramp), as the runs that have a
// phase of that name measured them.
func phaseRows(runs []*Run) []CompareRow {
	var rows []CompareRow
	for _, ph := range runs[0].Phases {
		if ph.Name == TeardownPhase {
			continue
		}
		phases := make([]*Run, len(runs)) // each run's phase as a run of its histograms
		for i, r := range runs {
			j := slices.IndexFunc(r.Phases, func(p PhaseRecord) bool { return p.Name == ph.Name })
			phases[i] = &Run{}
			if j >= 0 {
				phases[i].Histograms = r.Phases[j].Histograms
			}
		}
		for _, k := range seriesKeys(phases, timerKeys) {
			for _, stat := range latencyStats {
				t := threshold.Threshold{Metric: k.metric, Stat: stat, Tags: k.tags}
				row := CompareRow{Section: sectionPhase + ph.Name, Name: rowName(t), Unit: UnitMilliseconds}
				for _, r := range phases {
					v, _, ok := measure(t, r)
					row.Values = append(row.Values, ptrIf(v, ok))
				}
				rows = append(rows, row)
			}
		}
	}
	return rows
}

// formatIn writes v in unit for people.
func formatIn(v float64, unit string) string {
	switch unit {
	case UnitMilliseconds:
		return formatMs(v)
	case unitPerSec:
		return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) + "/s"
	case unitPercent:
		return formatPercent(v)
	case unitMiB:
		return strconv.FormatFloat(v, 'f', 1, 64) + " MiB"
	case unitCores:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// formatDiff writes a difference in unit with its sign: +3.1ms, -120/s.
func formatDiff(d float64, unit string) string {
	if d == 0 {
		return "±0"
	}
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	if unit == unitPercent {
		return sign + strconv.FormatFloat(d*100, 'g', 3, 64) + " pp" // percentage points
	}
	return sign + formatIn(d, unit)
}

// signedPercent writes a relative change as +14.2% (±inf% from zero).
func signedPercent(r float64) string {
	switch {
	case math.IsInf(r, 1):
		return "+inf%"
	case math.IsInf(r, -1):
		return "-inf%"
	}
	s := strconv.FormatFloat(math.Round(r*1000)/10, 'f', -1, 64) + "%"
	if r >= 0 {
		return "+" + s
	}
	return s
}

// ratio writes later/first as ×1.14, or "" when first is zero.
func ratio(first, later float64) string {
	if first == 0 {
		return ""
	}
	return "×" + strconv.FormatFloat(later/first, 'f', 2, 64)
}
