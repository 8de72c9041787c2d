package threshold

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	t.Parallel()
	ev := func(e string) map[string]string { return map[string]string{TagEvent: e} }
	for _, tc := range []struct {
		expr string
		want Threshold
	}{
		{"ack_p99{event:user-join} < 100ms", Threshold{Metric: "ack", Stat: "p99", Tags: ev("user-join"), Op: "<", Value: 100}},
		{"  ack_p999 { event : chat:message } <= 1.5s ", Threshold{Metric: "ack", Stat: "p999", Tags: ev("chat:message"), Op: "<=", Value: 1500}},
		{"error_rate < 0.1%", Threshold{Metric: "error_rate", Op: "<", Value: 0.001}},
		{"error_rate<0.001", Threshold{Metric: "error_rate", Op: "<", Value: 0.001}},
		{"error_rate{kind:dial} == 0", Threshold{Metric: "error_rate", Tags: map[string]string{"kind": "dial"}, Op: "==", Value: 0}},
		{"connect_tcp_p50 < 250us", Threshold{Metric: "connect_tcp", Stat: "p50", Op: "<", Value: 0.25}},
		{"sio_connect_max < 800µs", Threshold{Metric: "sio_connect", Stat: "max", Op: "<", Value: 0.8}},
		{"push_mean{event:chat-events} < 20", Threshold{Metric: "push", Stat: "mean", Tags: ev("chat-events"), Op: "<", Value: 20}},
		{"user_join_avg > 2e-1ms", Threshold{Metric: "user_join", Stat: "avg", Op: ">", Value: 0.2}},
		{"recovery_min >= 0", Threshold{Metric: "recovery", Stat: "min", Op: ">=", Value: 0}},
		{"ack_count >= 1000", Threshold{Metric: "ack", Stat: "count", Op: ">=", Value: 1000}},
		{"ack_rate{event:chat} > 500/s", Threshold{Metric: "ack", Stat: "rate", Tags: ev("chat"), Op: ">", Value: 500}},
		{"connections >= 10000", Threshold{Metric: "connections", Op: ">=", Value: 10000}},
		{"messages_sent_rate > 1000", Threshold{Metric: "messages_sent", Stat: "rate", Op: ">", Value: 1000}},
		{"errors{kind:ack_timeout} == 0", Threshold{Metric: "errors", Tags: map[string]string{"kind": "ack_timeout"}, Op: "==", Value: 0}},
		{"starts_dropped_count == 0", Threshold{Metric: "starts_dropped", Stat: "count", Op: "==", Value: 0}},
		{"lag_p99 < 10ms", Threshold{Metric: "lag", Stat: "p99", Op: "<", Value: 10}},
		{"starts_dropped < 1%", Threshold{Metric: "starts_dropped", Op: "<", Value: 0.01, Share: true}},
		{"starts_delayed <= 100%", Threshold{Metric: "starts_delayed", Op: "<=", Value: 1, Share: true}},
		{"starts_dropped <= 100", Threshold{Metric: "starts_dropped", Op: "<=", Value: 100}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tc.expr)
			require.NoError(t, err)
			tc.want.Expr = tc.expr
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ expr, want string }{
		{"", `column 1: expected a metric name`},
		{"< 5ms", `column 1: expected a metric name`},
		{"acks_p99 < 5ms", `column 1: unknown metric "acks" (want one of connect_tcp handshake sio_connect user_join ack push reconnect recovery lag connections disconnects reconnects messages_sent messages_received bytes_sent bytes_received errors starts_dropped starts_delayed starts error_rate)`},
		{"latency < 5ms", `column 1: unknown metric "latency" (want one of connect_tcp handshake sio_connect user_join ack push reconnect recovery lag connections disconnects reconnects messages_sent messages_received bytes_sent bytes_received errors starts_dropped starts_delayed starts error_rate)`},
		{"ack_p98 < 5ms", `column 5: unknown statistic "p98" (want one of p50 p90 p95 p99 p999 min max mean avg count rate)`},
		{"ack < 5ms", `column 4: ack is a timer: name a statistic, e.g. ack_p99`},
		{"connections_p99 < 5", `column 13: connections is a counter: it has no p99 (use connections, connections_count or connections_rate)`},
		{"error_rate_p99 < 1%", `column 12: error_rate takes no statistic`},
		{"clients < 5", `column 1: clients is a gauge, kept only in the series: thresholds cannot use it`},
		{"ack_p99{event:chat < 5ms", `column 25: expected '}' to close the tag filter opened at column 8`},
		{"ack_p99{event} < 5ms", `column 14: expected ':' after tag "event"`},
		{"ack_p99{event:} < 5ms", `column 15: tag "event" has no value`},
		{"ack_p99{} < 5ms", `column 9: expected a tag name, found "} < 5ms"`},
		{"ack_p99{kind:x} < 5ms", `column 9: ack has no tag "kind" (its tag is "event")`},
		{"ack_p99{event:a,event:b} < 5ms", `column 17: tag "event" given twice`},
		{"connect_tcp_p99{event:x} < 5ms", `column 17: connect_tcp has no tags`},
		{"ack_p99", `column 8: expected an operator (< <= > >= ==), found the end`},
		{"ack_p99 != 5ms", `column 9: unknown operator "!=" (want one of < <= > >= ==)`},
		{"ack_p99 = 5ms", `column 9: unknown operator "=" (want one of < <= > >= ==)`},
		{"ack_p99 ~ 5ms", `column 9: unknown operator "~" (want one of < <= > >= ==)`},
		{"ack_p99 at 5ms", `column 9: expected an operator (< <= > >= ==), found "at 5ms"`},
		{"ack_p99 <", `column 10: expected a number, found the end`},
		{"ack_p99 < fast", `column 11: expected a number, found "fast"`},
		{"ack_p99 < 1.2.3ms", `column 11: expected a number, found "1.2.3ms"`},
		{"ack_p99 < 5 ms", `column 13: unexpected "ms" after the value`},
		{"ack_p99 < 5min", `column 12: ack_p99 is a time: give ms, s or µs (a plain number is milliseconds), not "min"`},
		{"ack_p99 < 5%", `column 12: ack_p99 is a time: give ms, s or µs (a plain number is milliseconds), not "%"`},
		{"error_rate < 5ms", `column 15: error_rate is a ratio: give a percentage (0.1%) or a fraction (0.001), not "ms"`},
		{"ack_count > 5ms", `column 14: ack is a count: give a plain number, not "ms"`},
		{"errors > 5%", `column 11: errors is a count: give a plain number, not "%"`},
		{"starts > 5%", `column 11: starts is a count: give a plain number, not "%"`},
		{"starts_dropped_count < 5%", `column 25: starts_dropped is a count: give a plain number, not "%"`},
		{"starts_dropped < 5ms", `column 19: starts_dropped is a count: give a plain number or a percentage of the intended starts, not "ms"`},
		{"ack_rate > 5ms", `column 13: ack_rate is per second: give a plain number or /s, not "ms"`},
		{"ack_p99{event:é} < 5µs extra", `column 24: unexpected "extra" after the value`},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tc.expr)
			require.Error(t, err)
			assert.Equal(t, `threshold "`+tc.expr+`": `+tc.want, err.Error())
			var te *Error
			require.True(t, errors.As(err, &te))
			assert.ErrorIs(t, err, ErrBad)
		})
	}
}

func ExampleParse() {
	t, err := Parse("ack_p99{event:user-join} < 100ms")
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Metric, t.Stat, t.Tags, t.Op, t.Value)

	t, _ = Parse("error_rate < 0.1%")
	fmt.Println(t.Metric, t.Op, t.Value)

	_, err = Parse("ack_p99 < 5%")
	fmt.Println(err)
	// Output:
	// ack p99 map[event:user-join] < 100
	// error_rate < 0.001
	// threshold "ack_p99 < 5%": column 12: ack_p99 is a time: give ms, s or µs (a plain number is milliseconds), not "%"
}
