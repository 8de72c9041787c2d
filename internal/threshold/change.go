package threshold

import (
	"errors"
	"math"
)

// Change is a parsed change rule of stampede report compare --fail-if: a
// metric of a later record against the same metric of the first. The
// grammar is a threshold's (Threshold) with a signed change for the value:
//
//	change = metric [ "_" stat ] [ "{" tag ":" value { "," tag ":" value } "}" ] op change-value
//	op     = "<" | "<=" | ">" | ">="
//	change-value = [ "+" | "-" ] number ( "%" | unit )
//
// A percentage is relative to the first record's value (ack_p99 > +10%:
// the later p99 is more than 1.1 times the first); any other value is an
// absolute difference in the metric's unit, as a threshold writes it
// (ack_p99 > +20ms, errors > +100, error_rate > +0.001, messages_sent_rate
// < -500/s). The rule says when to fail: it breaks when the change
// satisfies it.
type Change struct {
	Expr   string            // as written
	Metric string            // a built-in metric name
	Stat   string            // as in Threshold
	Tags   map[string]string // the filter; nil for none
	Op     string            // < <= > >=
	// Value is the change the rule compares with: a fraction of the first
	// record's value when Relative (+10% is 0.1), else a difference in the
	// unit of Threshold.Value.
	Value    float64
	Relative bool
}

// Threshold is the measurement the rule compares, as a threshold of its
// metric, statistic and tags (its operator and value unused).
func (c Change) Threshold() Threshold {
	return Threshold{Expr: c.Expr, Metric: c.Metric, Stat: c.Stat, Tags: c.Tags}
}

// Holds reports whether the change from first to later keeps the rule
// (does not break it), and the change it compared: later − first, over
// first when Relative. A relative change from zero is +Inf (or 0 when
// later is zero too).
func (c Change) Holds(first, later float64) (ok bool, change float64) {
	change = later - first
	if c.Relative {
		change = relative(first, later)
	}
	switch c.Op {
	case "<":
		return !(change < c.Value), change
	case "<=":
		return !(change <= c.Value), change
	case ">":
		return !(change > c.Value), change
	default: // ">="
		return !(change >= c.Value), change
	}
}

// relative is (later − first) / first, ±Inf from zero to anything else.
func relative(first, later float64) float64 {
	switch {
	case first != 0:
		return (later - first) / first
	case later > 0:
		return math.Inf(1)
	case later < 0:
		return math.Inf(-1)
	}
	return 0
}

// ParseChange parses one change rule (see Change for the grammar). Errors
// are *Error, naming the rule and the column.
func ParseChange(expr string) (Change, error) {
	p := &parser{expr: expr}
	t := Threshold{Expr: expr}
	m, err := p.head(&t)
	c := Change{Expr: expr, Metric: t.Metric, Stat: t.Stat, Tags: t.Tags, Op: t.Op}
	if err != nil {
		return c, err
	}
	if c.Op == "==" {
		return c, p.fail(p.pos-2, "a change rule compares with < <= > or >=, not ==")
	}
	v, unit, unitPos, err := p.number()
	if err != nil {
		return c, err
	}
	if unit == "%" {
		c.Value, c.Relative = v/100, true
		return c, nil
	}
	if c.Value, err = p.value(t, m, v, unit, unitPos); err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Msg += ", or a percentage of the first record's value"
		}
		return c, err
	}
	return c, nil
}
