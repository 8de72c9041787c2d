package scenarios

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	const flows = "flows:\n  - steps: [{think: {fixed: 1s}}]\n"
	const phases = "phases:\n  - {kind: hold, duration: 10s}\n"
	tests := []struct {
		name string
		yaml string
		want []string // every line of the error; nil: valid
	}{
		{"minimal", minimal, nil},
		{"no phases, no flows", "name: t\n", []string{
			"f.yaml: phases: at least one phase is required",
			"f.yaml: flows: at least one flow is required",
		}},
		{"ramp", flows + "phases:\n  - {kind: ramp, from: 10, to: 5}\n  - {kind: ramp, from: -1, to: 0, duration: 1s}\n", []string{
			"f.yaml:4: phases[0].duration: required for a ramp phase",
			"f.yaml:4: phases[0].to: 5 is below from 10 (a ramp goes up; use constant to go down)",
			"f.yaml:5: phases[1].from: -1 is negative",
		}},
		{"arrival", flows + "phases:\n  - {kind: arrival, rate: 0, duration: 1s}\n  - kind: arrival\n    rate: 5\n", []string{
			"f.yaml:4: phases[0].rate: required: new clients per second, more than 0",
			"f.yaml:5: phases[1].duration: required for a arrival phase",
		}},
		{"spike", flows + "phases:\n  - {kind: spike}\n  - {kind: spike, population: 3, max_in_flight: -1}\n", []string{
			"f.yaml:4: phases[0].population: required: how many clients start, more than 0",
			"f.yaml:5: phases[1].max_in_flight: -1: want more than 0",
		}},
		{"hold, constant, negative duration", flows + "phases:\n  - {kind: hold}\n  - {kind: constant, population: -2, duration: -1s}\n", []string{
			"f.yaml:4: phases[0].duration: required for a hold phase",
			"f.yaml:5: phases[1].duration: -1s is negative",
			"f.yaml:5: phases[1].population: -2 is negative",
		}},
		{"kinds and other kinds' fields", flows + "phases:\n  - {duration: 1s}\n  - {kind: warp}\n  - {kind: hold, duration: 1s, rate: 3, to: 2}\n", []string{
			"f.yaml:4: phases[0].kind: required: ramp, constant, arrival, spike or hold",
			`f.yaml:5: phases[1].kind: "warp": want ramp, constant, arrival, spike or hold`,
			"f.yaml:6: phases[2].to: not used by a hold phase",
			"f.yaml:6: phases[2].rate: not used by a hold phase",
		}},
		{"weights", phases + "flows:\n  - {name: a, weight: 0, steps: [disconnect]}\n  - {name: a, weight: -1, steps: [disconnect]}\n", []string{
			"f.yaml:3: flows: the weights add up to 0: no flow would run",
			`f.yaml:5: flows[1].name: duplicate flow name "a"`,
			"f.yaml:5: flows[1].weight: -1 is negative",
		}},
		{"zero weight disables one flow", phases + "flows:\n  - {weight: 0, steps: [disconnect]}\n  - {steps: [disconnect]}\n", nil},
		{"step fields", phases + `flows:
  - steps:
      - emit: {event: ""}
      - emit: {event: x, timeout: 1s, expect: 1}
      - emit_with_ack: {event: " ", timeout: -1s}
      - wait_for: {event: ""}
      - listen: {for: 1s}
      - listen: {events: [a, ""], for: 1s}
      - think: {}
      - think: {min: 3s, max: 1s}
      - think: {fixed: 1s, max: 2s}
      - think: {until: 10s}
      - vanish: {for: -1s}
`, []string{
			"f.yaml:5: flows[0].steps[0].emit.event: required: an event name",
			"f.yaml:6: flows[0].steps[1].emit.timeout: an emit waits for no ack: use emit_with_ack",
			"f.yaml:6: flows[0].steps[1].emit.expect: an emit gets no ack to check: use emit_with_ack",
			"f.yaml:7: flows[0].steps[2].emit_with_ack.event: required: an event name",
			"f.yaml:7: flows[0].steps[2].emit_with_ack.timeout: -1s is negative",
			"f.yaml:8: flows[0].steps[3].wait_for.event: required: an event name",
			"f.yaml:9: flows[0].steps[4].listen.events: required: the event names to count",
			"f.yaml:10: flows[0].steps[5].listen.events[1]: required: an event name",
			"f.yaml:11: flows[0].steps[6].think: set fixed, min and max, or until",
			"f.yaml:12: flows[0].steps[7].think.min: 3s is above max 1s",
			"f.yaml:13: flows[0].steps[8].think: set only one of fixed, min and max, until",
			"f.yaml:14: flows[0].steps[9].think.until: 10s is not before the run ends (the phases last 10s)",
			"f.yaml:15: flows[0].steps[10].vanish.for: -1s is negative",
		}},
		{"loops", phases + `flows:
  - steps:
      - loop: {steps: [{think: {fixed: 1s}}]}
      - loop: {count: 2, steps: []}
      - loop:
          count: 2
          steps:
            - loop: {duration: 1s, count: -1, rate: -2, steps: [{emit: {event: ""}}]}
`, []string{
			"f.yaml:5: flows[0].steps[0].loop: set count, duration or rate (rate alone repeats until the run ends)",
			"f.yaml:6: flows[0].steps[1].loop.steps: required: the steps to repeat",
			"f.yaml:10: flows[0].steps[2].loop.steps[0].loop.count: -1 is negative",
			"f.yaml:10: flows[0].steps[2].loop.steps[0].loop.rate: -2 is negative",
			"f.yaml:10: flows[0].steps[2].loop.steps[0].loop.steps[0].emit.event: required: an event name",
		}},
		{"loop phase", phases + `flows:
  - steps:
      - loop: {rate: 1, count: 2, phase: aligned, steps: [{think: {fixed: 1s}}]}
      - loop: {rate: 1, count: 2, phase: random, steps: [{think: {fixed: 1s}}]}
      - loop:
          rate: 1
          count: 2
          phase: together
          steps: [{think: {fixed: 1s}}]
      - loop: {count: 2, phase: aligned, steps: [{think: {fixed: 1s}}]}
`, []string{
			`f.yaml:10: flows[0].steps[2].loop.phase: "together": want random, aligned or exact`,
			"f.yaml:12: flows[0].steps[3].loop.phase: only a loop with a rate has a phase",
		}},
		{"connection state", phases + `flows:
  - steps:
      - disconnect
      - emit: {event: x}
      - disconnect
      - connect
      - connect
      - loop: {count: 3, steps: [disconnect]}
  - steps:
      - connect: {namespace: echo}
      - loop: {count: 3, steps: [disconnect, reconnect, {emit: {event: x}}]}
`, []string{
			"f.yaml:6: flows[0].steps[1].emit: needs a connection, but the flow has disconnected: connect or reconnect first",
			"f.yaml:7: flows[0].steps[2].disconnect: already disconnected",
			"f.yaml:9: flows[0].steps[4].connect: already connected: a flow connects before its first step unless that step is connect; connect again only after a disconnect",
			"f.yaml:10: flows[0].steps[5].loop.steps[0].disconnect: already disconnected",
			`f.yaml:12: flows[1].steps[0].connect.namespace: "echo" does not start with /`,
		}},
		{"steps after forever", phases + `flows:
  - steps:
      - listen: {events: [a]}
      - emit: {event: ""}
      - think: {fixed: 1s}
  - steps:
      - loop: {rate: 1, steps: [{think: {fixed: 1s}}]}
      - disconnect
  - steps:
      - vanish
      - disconnect
`, []string{
			"f.yaml:6: flows[0].steps[1]: never runs: the step before it lasts until the run ends",
			"f.yaml:6: flows[0].steps[1].emit.event: required: an event name",
			"f.yaml:10: flows[1].steps[1]: never runs: the step before it lasts until the run ends",
			"f.yaml:13: flows[2].steps[1]: never runs: the step before it lasts until the run ends",
		}},
		{"templates", phases + `auth: {user: 'u{{printf "%06d" (add .Index}}'}
flows:
  - steps:
      - emit_with_ack:
          event: x
          args: [ok, "{{rand_id 8}}{{now_ms}}{{rand_int 1 3}}{{bytes 3}}{{sub 1 (mul 2 (mod .Index 3))}}", {deep: ["{{nope}}"]}, "{{bytes 999999999999}}"]
          expect: {a: "{{.Vars.x"}
      - wait_for: {event: y, match: "{{end}}"}
      - control: {action: events, params: {user_id: "{{.User}}", data: "{{if}}"}}
`, []string{
			`f.yaml:3: auth.user: bad template: unclosed left paren`,
			`f.yaml:8: flows[0].steps[0].emit_with_ack.args[2].deep[0]: bad template: function "nope" not defined`,
			`f.yaml:8: flows[0].steps[0].emit_with_ack.args[3]: bytes: at most 67108864`,
			`f.yaml:9: flows[0].steps[0].emit_with_ack.expect.a: bad template: unclosed action`,
			`f.yaml:10: flows[0].steps[1].wait_for.match: bad template: unexpected {{end}}`,
			`f.yaml:11: flows[0].steps[2].control.params.data: bad template: missing value for if`,
		}},
		{"control", phases + `flows:
  - steps:
      - control: {}
      - control: {action: explode}
      - control: {action: post-message, params: {channel_id: c0001}}
      - control: {action: drop, params: {mode: nicely}}
      - control: {action: drop, params: {mode: "{{.Vars.mode}}"}}
      - control: {action: revoke, params: {user_id: u000002}, once: true}
`, []string{
			"f.yaml:5: flows[0].steps[0].control.action: required: one of drop, events, post-message, revoke, stream",
			`f.yaml:6: flows[0].steps[1].control.action: "explode": want one of drop, events, post-message, revoke, stream`,
			"f.yaml:7: flows[0].steps[2].control.params: post-message needs content",
			`f.yaml:8: flows[0].steps[3].control.params.mode: "nicely": want close or transport`,
		}},
		{"target, auth, client", phases + flows + `target:
  urls: [http://127.0.0.1:8080/echo, "ftp://x", "http://", "ws://127.0.0.1:8081/custom", "wss://127.0.0.1:8082/echo/"]
  path: ws
  transport: ws
  namespace: echo
  sources: [127.0.0.2, localhost]
auth: {mode: none, tokens_file: t.txt}
client:
  ack_timeout: -1s
  reconnect: {delay: 3s, delay_max: 2s, randomization: 1.5, attempts: -1}
`, []string{
			`f.yaml:6: target.urls[1]: "ftp://x" is not an http://, https://, ws:// or wss:// URL`,
			`f.yaml:6: target.urls[2]: "http://" is not an http://, https://, ws:// or wss:// URL`,
			`f.yaml:6: target.urls[3]: "ws://127.0.0.1:8081/custom" names namespace /custom, another URL /echo: one namespace per run`,
			`f.yaml:7: target.path: "ws" does not start with /`,
			`f.yaml:8: target.transport: "ws": want websocket, polling or polling,websocket`,
			`f.yaml:9: target.namespace: "echo" does not start with /`,
			`f.yaml:10: target.sources[1]: "localhost" is not an IP address`,
			`f.yaml:11: auth.tokens_file: only used with mode file (mode is none)`,
			`f.yaml:13: client.ack_timeout: -1s is negative`,
			`f.yaml:14: client.reconnect.delay_max: 2s is below delay 3s`,
			`f.yaml:14: client.reconnect.randomization: 1.5 is not in [0, 1]`,
			`f.yaml:14: client.reconnect.attempts: -1 is negative (0 means unlimited)`,
		}},
		{"auth modes", phases + flows + "auth: {mode: file}\n", []string{"f.yaml:5: auth.tokens_file: required with mode file"}},
		{"auth mode unknown", phases + flows + "auth: {mode: oauth}\n", []string{`f.yaml:5: auth.mode: "oauth": want mint, file or none`}},
		{"thresholds and data", phases + flows + `thresholds:
  - connect_tcp_p99 < 1s
  - "ack_p99{event:user-join} <= 100ms"
  - messages_received{event:events:channel} > 0
  - error_rate < 0.5%
  - messages_received_rate > 10/s
  - recovery_max <= 1.5e3
  - connect_p99 <
  - Connect < 1s
  - "ack{event} < 1s"
  - ack_p99 ~ 3
  - error_rate != 1%
data: {users: ""}
`, []string{
			`f.yaml:12: thresholds[6]: threshold "connect_p99 <": column 1: unknown metric "connect" ` + knownMetrics,
			`f.yaml:13: thresholds[7]: threshold "Connect < 1s": column 1: unknown metric "Connect" ` + knownMetrics,
			`f.yaml:14: thresholds[8]: threshold "ack{event} < 1s": column 4: ack is a timer: name a statistic, e.g. ack_p99`,
			`f.yaml:15: thresholds[9]: threshold "ack_p99 ~ 3": column 9: unknown operator "~" (want one of < <= > >= ==)`,
			`f.yaml:16: thresholds[10]: threshold "error_rate != 1%": column 12: unknown operator "!=" (want one of < <= > >= ==)`,
			`f.yaml:17: data.users: want the path of a CSV file`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Load("f.yaml", strings.NewReader(tt.yaml))
			require.NoError(t, err)
			err = s.Validate()
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			var errs Errors
			require.True(t, errors.As(err, &errs))
			assert.Equal(t, strings.Join(tt.want, "\n"), err.Error())
		})
	}
}

func TestValidateInGo(t *testing.T) {
	t.Parallel()
	// A scenario built in Go has no lines: messages carry the field only.
	s := &Scenario{
		Phases: []Phase{{Kind: PhaseHold}},
		Flows:  []Flow{{Steps: []Step{{}, {Emit: &EmitStep{Event: "x"}, Think: &ThinkStep{Fixed: 1}}}}},
	}
	err := s.Validate()
	require.Error(t, err)
	assert.Equal(t, "phases[0].duration: required for a hold phase\n"+
		"flows[0].steps[0]: a step has exactly one kind (one of connect, emit, emit_with_ack, wait_for, listen, think, loop, disconnect, reconnect, vanish, control)\n"+
		"flows[0].steps[1]: a step has exactly one kind (one of connect, emit, emit_with_ack, wait_for, listen, think, loop, disconnect, reconnect, vanish, control)", err.Error())
}

// knownMetrics ends the message about an unknown metric.
const knownMetrics = "(want one of connect_tcp handshake sio_connect user_join ack push reconnect recovery lag connections disconnects reconnects messages_sent messages_received bytes_sent bytes_received errors starts_dropped starts_delayed starts error_rate)"

// Validate parses thresholds with the grammar that evaluates them: a
// misspelt metric or a unit that does not fit is found with its line.
func TestValidateThresholds(t *testing.T) {
	t.Parallel()
	s, err := Load("f.yaml", strings.NewReader(minimal+"thresholds:\n  - handshake_p99 < 1s\n  - nope_p99 < 1s\n  - bad shape\n  - starts_dropped < 1%\n  - ack_p99 < 5%\n"))
	require.NoError(t, err)
	assert.EqualError(t, s.Validate(), `f.yaml:9: thresholds[1]: threshold "nope_p99 < 1s": column 1: unknown metric "nope" `+knownMetrics+"\n"+
		`f.yaml:10: thresholds[2]: threshold "bad shape": column 1: unknown metric "bad" `+knownMetrics+"\n"+
		`f.yaml:12: thresholds[4]: threshold "ack_p99 < 5%": column 12: ack_p99 is a time: give ms, s or µs (a plain number is milliseconds), not "%"`)
	s.Thresholds = s.Thresholds[:1]
	assert.NoError(t, s.Validate())
}
