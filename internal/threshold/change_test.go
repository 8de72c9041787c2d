package threshold

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseChange(t *testing.T) {
	t.Parallel()
	ev := func(e string) map[string]string { return map[string]string{TagEvent: e} }
	for _, tc := range []struct {
		expr string
		want Change
	}{
		{"push_p99{event:events:channel} > +10%", Change{Metric: "push", Stat: "p99", Tags: ev("events:channel"), Op: ">", Value: 0.1, Relative: true}},
		{"messages_received_rate < -5%", Change{Metric: "messages_received", Stat: "rate", Op: "<", Value: -0.05, Relative: true}},
		{"ack_p99 > +20ms", Change{Metric: "ack", Stat: "p99", Op: ">", Value: 20}},
		{"ack_max >= 1.5s", Change{Metric: "ack", Stat: "max", Op: ">=", Value: 1500}},
		{"errors{kind:dial} > +100", Change{Metric: "errors", Tags: map[string]string{TagKind: "dial"}, Op: ">", Value: 100}},
		{"error_rate > +0.001", Change{Metric: "error_rate", Op: ">", Value: 0.001}},
		{"messages_sent_rate <= -500/s", Change{Metric: "messages_sent", Stat: "rate", Op: "<=", Value: -500}},
		{"starts_dropped > 0", Change{Metric: "starts_dropped", Op: ">", Value: 0}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			got, err := ParseChange(tc.expr)
			require.NoError(t, err)
			tc.want.Expr = tc.expr
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseChangeErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ expr, want string }{
		{"ack_p99 == +10%", `threshold "ack_p99 == +10%": column 9: a change rule compares with < <= > or >=, not ==`},
		{"ack_p99 > +10", ""}, // a plain number is milliseconds: valid
		{"ack_p99 > +10x", `threshold "ack_p99 > +10x": column 14: ack_p99 is a time: give ms, s or µs (a plain number is milliseconds), not "x", or a percentage of the first record's value`},
		{"latency_p99 > +10%", `threshold "latency_p99 > +10%": column 1: unknown metric "latency"`},
		{"ack > +10%", `threshold "ack > +10%": column 4: ack is a timer: name a statistic, e.g. ack_p99`},
		{"ack_p99{kind:x} > +10%", `threshold "ack_p99{kind:x} > +10%": column 9: ack has no tag "kind" (its tag is "event")`},
		{"ack_p99 +10%", `threshold "ack_p99 +10%": column 9: expected an operator (< <= > >= ==), found "+10%"`},
		{"ack_p99 > ten%", `threshold "ack_p99 > ten%": column 11: expected a number, found "ten%"`},
		{"clients > +10%", `threshold "clients > +10%": column 1: clients is a gauge`},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			_, err := ParseChange(tc.expr)
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrBad))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestChangeHolds(t *testing.T) {
	t.Parallel()
	rule := func(expr string) Change {
		c, err := ParseChange(expr)
		require.NoError(t, err)
		return c
	}
	for _, tc := range []struct {
		expr         string
		first, later float64
		ok           bool
		change       float64
	}{
		{"ack_p99 > +10%", 10, 10.9, true, 0.09},
		{"ack_p99 > +10%", 10, 11.5, false, 0.15},
		{"ack_p99 > +10%", 0, 0, true, 0},
		{"ack_p99 > +10%", 0, 1, false, math.Inf(1)},
		{"ack_p99 > +20ms", 10, 25, true, 15},
		{"ack_p99 > +20ms", 10, 31, false, 21},
		{"messages_received_rate < -5%", 1000, 960, true, -0.04},
		{"messages_received_rate < -5%", 1000, 900, false, -0.1},
		{"errors >= +1", 3, 4, false, 1},
		{"errors >= +1", 3, 3, true, 0},
	} {
		ok, change := rule(tc.expr).Holds(tc.first, tc.later)
		assert.Equal(t, tc.ok, ok, "%s: %v → %v", tc.expr, tc.first, tc.later)
		assert.InDelta(t, tc.change, change, 1e-9, "%s: %v → %v", tc.expr, tc.first, tc.later)
	}
}
