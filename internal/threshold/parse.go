package threshold

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrBad is wrapped by every Error.
var ErrBad = errors.New("threshold: bad threshold")

// Error says what is wrong with a threshold expression and where.
type Error struct {
	Expr   string
	Column int // 1-based, in characters
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("threshold %q: column %d: %s", e.Expr, e.Column, e.Msg)
}

func (e *Error) Unwrap() error { return ErrBad }

// Threshold is a parsed threshold expression. The grammar is
//
//	threshold = metric [ "_" stat ] [ "{" tag ":" value { "," tag ":" value } "}" ] op number [ unit ]
//	stat      = p50 | p90 | p95 | p99 | p999 | min | max | mean | avg | count | rate
//	op        = "<" | "<=" | ">" | ">=" | "=="
//	unit      = ms | s | us | µs | % | /s
//
// with spaces allowed between the parts. The metric is a built-in one
// (Metrics). Timers need a stat: a time (p…, min, max, mean, avg) compared
// with a duration, a plain number meaning milliseconds; count compared with
// a plain number; rate (per second of the run) with a plain number or /s.
// Counters take no stat (their total), count, or rate. error_rate takes no
// stat and a percentage or a plain fraction: error_rate < 0.1% and
// error_rate < 0.001 are the same. starts_dropped and starts_delayed also
// take a percentage, of the starts the generator meant to make (starts +
// starts_dropped): starts_dropped < 1% tolerates one start in a hundred
// given up, starts_dropped == 0 none. A tag filter keeps the records whose tags
// include every pair (ack_p99{event:user-join}); without one, every tag set
// of the metric counts together (ack over all events). A value may contain
// ':' (the first one separates the key) but not ',' or '}'.
type Threshold struct {
	Expr   string            // as written
	Metric string            // a built-in metric name
	Stat   string            // "" for a counter's total and for error_rate
	Tags   map[string]string // the filter; nil for none
	Op     string
	// Value is in milliseconds for times, a fraction for error_rate and
	// shares, per second for rate, and a plain number for counts.
	Value float64
	// Share: a starts counter compared as a fraction of the intended
	// starts (written with %).
	Share bool
}

// shareMetrics are the counters a percentage compares with the intended
// starts (see Threshold).
var shareMetrics = []string{MetricStartsDropped, MetricStartsDelayed}

var stats = []string{"p50", "p90", "p95", "p99", "p999", "min", "max", "mean", "avg", "count", "rate"}

var ops = []string{"<=", ">=", "==", "<", ">"}

type parser struct {
	expr string
	pos  int
}

func (p *parser) fail(pos int, format string, args ...any) error {
	return &Error{Expr: p.expr, Column: utf8.RuneCountInString(p.expr[:pos]) + 1, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.expr) && (p.expr[p.pos] == ' ' || p.expr[p.pos] == '\t') {
		p.pos++
	}
}

// span advances over the bytes ok accepts and returns them.
func (p *parser) span(ok func(byte) bool) string {
	start := p.pos
	for p.pos < len(p.expr) && ok(p.expr[p.pos]) {
		p.pos++
	}
	return p.expr[start:p.pos]
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Parse parses one threshold expression (see Threshold for the grammar).
// Errors are *Error, naming the expression and the column.
func Parse(expr string) (Threshold, error) {
	p := &parser{expr: expr}
	t := Threshold{Expr: expr}
	m, err := p.head(&t)
	if err != nil {
		return t, err
	}
	v, unit, unitPos, err := p.number()
	if err != nil {
		return t, err
	}
	t.Share = unit == "%" && t.Stat == "" && slices.Contains(shareMetrics, t.Metric)
	if t.Value, err = p.value(t, m, v, unit, unitPos); err != nil {
		return t, err
	}
	return t, nil
}

// number parses the value that ends an expression: a number and its
// unit, if any, and where the unit starts.
func (p *parser) number() (v float64, unit string, unitPos int, err error) {
	p.skipSpace()
	numPos := p.pos
	num := p.span(func(c byte) bool { return c >= '0' && c <= '9' || strings.IndexByte("+-.eE", c) >= 0 })
	v, err = strconv.ParseFloat(num, 64)
	if num == "" || err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, "", 0, p.fail(numPos, "expected a number, found %s", found(p.expr[numPos:]))
	}
	unitPos = p.pos
	unit = p.span(func(c byte) bool { return c != ' ' && c != '\t' })
	p.skipSpace()
	if p.pos < len(p.expr) {
		return 0, "", 0, p.fail(p.pos, "unexpected %q after the value", p.expr[p.pos:])
	}
	return v, unit, unitPos, nil
}

// head parses what a threshold and a change rule (ParseChange) share:
// the metric with its statistic, the tag filter and the operator.
func (p *parser) head(t *Threshold) (Metric, error) {
	p.skipSpace()
	namePos := p.pos
	name := p.span(isNameByte)
	if name == "" {
		return Metric{}, p.fail(namePos, "expected a metric name")
	}
	m, err := p.metric(t, name, namePos)
	if err != nil {
		return m, err
	}
	p.skipSpace()
	if p.pos < len(p.expr) && p.expr[p.pos] == '{' {
		if t.Tags, err = p.tags(m); err != nil {
			return m, err
		}
		p.skipSpace()
	}
	t.Op, err = p.op()
	return m, err
}

// found describes what the parser found instead of what it expected.
func found(s string) string {
	if s == "" {
		return "the end"
	}
	return strconv.Quote(s)
}

// metric splits name into a built-in metric and a stat, and checks that
// the stat fits the metric.
func (p *parser) metric(t *Threshold, name string, pos int) (Metric, error) {
	m, ok := LookupMetric(name)
	if !ok {
		i := strings.LastIndexByte(name, '_')
		if i <= 0 {
			return m, p.fail(pos, "unknown metric %q (want one of %s)", name, metricNames())
		}
		if m, ok = LookupMetric(name[:i]); !ok {
			return m, p.fail(pos, "unknown metric %q (want one of %s)", name[:i], metricNames())
		}
		t.Stat = name[i+1:]
		if !slices.Contains(stats, t.Stat) {
			return m, p.fail(pos+i+1, "unknown statistic %q (want one of %s)", t.Stat, strings.Join(stats, " "))
		}
	}
	t.Metric = m.Name
	switch {
	case m.Kind == KindGauge:
		return m, p.fail(pos, "%s is a gauge, kept only in the series: thresholds cannot use it", m.Name)
	case m.Kind == KindTimer && t.Stat == "":
		return m, p.fail(pos+len(name), "%s is a timer: name a statistic, e.g. %s_p99", m.Name, m.Name)
	case m.Kind == KindCounter && t.Stat != "" && t.Stat != "count" && t.Stat != "rate":
		return m, p.fail(pos+len(m.Name)+1, "%s is a counter: it has no %s (use %s, %s_count or %s_rate)", m.Name, t.Stat, m.Name, m.Name, m.Name)
	case m.Kind == KindRate && t.Stat != "":
		return m, p.fail(pos+len(m.Name)+1, "%s takes no statistic", m.Name)
	}
	return m, nil
}

func metricNames() string {
	var names []string
	for _, m := range Metrics {
		if m.Kind != KindGauge {
			names = append(names, m.Name)
		}
	}
	return strings.Join(names, " ")
}

// tags parses {key:value,…} at p.pos.
func (p *parser) tags(m Metric) (map[string]string, error) {
	open := p.pos
	p.pos++ // {
	tags := map[string]string{}
	for {
		p.skipSpace()
		keyPos := p.pos
		key := p.span(func(c byte) bool { return isNameByte(c) || c == '-' || c == '.' })
		if key == "" {
			return nil, p.fail(keyPos, "expected a tag name, found %s", found(p.expr[keyPos:]))
		}
		if m.Tag == "" {
			return nil, p.fail(keyPos, "%s has no tags", m.Name)
		}
		if key != m.Tag {
			return nil, p.fail(keyPos, "%s has no tag %q (its tag is %q)", m.Name, key, m.Tag)
		}
		if _, dup := tags[key]; dup {
			return nil, p.fail(keyPos, "tag %q given twice", key)
		}
		p.skipSpace()
		if p.pos >= len(p.expr) || p.expr[p.pos] != ':' {
			return nil, p.fail(p.pos, "expected ':' after tag %q", key)
		}
		p.pos++
		valPos := p.pos
		val := strings.TrimSpace(p.span(func(c byte) bool { return c != ',' && c != '}' }))
		if val == "" {
			return nil, p.fail(valPos, "tag %q has no value", key)
		}
		tags[key] = val
		if p.pos >= len(p.expr) {
			return nil, p.fail(p.pos, "expected '}' to close the tag filter opened at column %d", utf8.RuneCountInString(p.expr[:open])+1)
		}
		p.pos++
		if p.expr[p.pos-1] == '}' {
			return tags, nil
		}
	}
}

func (p *parser) op() (string, error) {
	for _, op := range ops {
		if strings.HasPrefix(p.expr[p.pos:], op) {
			p.pos += len(op)
			return op, nil
		}
	}
	start := p.pos
	if found := p.span(func(c byte) bool { return strings.IndexByte("<>=!~", c) >= 0 }); found != "" {
		return "", p.fail(start, "unknown operator %q (want one of < <= > >= ==)", found)
	}
	return "", p.fail(start, "expected an operator (< <= > >= ==), found %s", found(p.expr[start:]))
}

// value converts v with its unit to the threshold's unit, checking that the
// unit fits what is measured.
func (p *parser) value(t Threshold, m Metric, v float64, unit string, pos int) (float64, error) {
	switch {
	case t.Share:
		return v / 100, nil
	case m.Kind == KindRate:
		switch unit {
		case "%":
			return v / 100, nil
		case "":
			return v, nil
		}
		return 0, p.fail(pos, "%s is a ratio: give a percentage (0.1%%) or a fraction (0.001), not %q", m.Name, unit)
	case t.Stat == "rate":
		if unit == "" || unit == "/s" {
			return v, nil
		}
		return 0, p.fail(pos, "%s is per second: give a plain number or /s, not %q", t.Metric+"_rate", unit)
	case m.Kind == KindCounter || t.Stat == "count":
		if unit == "" {
			return v, nil
		}
		if slices.Contains(shareMetrics, m.Name) && t.Stat == "" {
			return 0, p.fail(pos, "%s is a count: give a plain number or a percentage of the intended starts, not %q", m.Name, unit)
		}
		return 0, p.fail(pos, "%s is a count: give a plain number, not %q", m.Name, unit)
	}
	scale, ok := map[string]float64{"": 1, "ms": 1, "s": 1e3, "us": 1e-3, "µs": 1e-3, "μs": 1e-3}[unit]
	if !ok {
		return 0, p.fail(pos, "%s_%s is a time: give ms, s or µs (a plain number is milliseconds), not %q", m.Name, t.Stat, unit)
	}
	return v * scale, nil
}

// percentiles are the percentile statistics.
var percentiles = map[string]float64{"p50": 50, "p90": 90, "p95": 95, "p99": 99, "p999": 99.9}

// Percentile is the percentile t's statistic names (99.9 for p999), or
// false when the statistic is not a percentile.
func (t Threshold) Percentile() (float64, bool) {
	p, ok := percentiles[t.Stat]
	return p, ok
}
