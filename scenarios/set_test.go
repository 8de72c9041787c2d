package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const setBase = `name: t
phases:
  - {kind: arrival, rate: 10, duration: 10s}
  - {kind: hold, duration: 5s}
flows:
  - name: a
    steps:
      - emit_with_ack: {event: x, args: [{k: v, list: [1, 2]}]}
      - think: {fixed: 1s}
      - control: {action: stream, params: {user_id: u000002}}
`

func TestSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, value string
		check       func(t *testing.T, s *Scenario)
	}{
		{"phases.0.rate", "500", func(t *testing.T, s *Scenario) { assert.Equal(t, 500.0, s.Phases[0].Rate) }},
		{"phases[1].duration", "1m", func(t *testing.T, s *Scenario) { assert.Equal(t, time.Minute, s.Phases[1].Duration) }},
		{"phases.1", "{kind: spike, population: 7}", func(t *testing.T, s *Scenario) {
			assert.Equal(t, Phase{Kind: PhaseSpike, Population: 7}, s.Phases[1])
		}},
		{"client.heartbeat", "15s", func(t *testing.T, s *Scenario) { assert.Equal(t, 15*time.Second, s.Client.Heartbeat) }},
		{"client.reconnect.delay_max", "10s", func(t *testing.T, s *Scenario) {
			assert.Equal(t, 10*time.Second, s.Client.Reconnect.DelayMax)
		}},
		{"client.reconnect.randomization", "0", func(t *testing.T, s *Scenario) {
			require.NotNil(t, s.Client.Reconnect.Randomization)
			assert.Equal(t, 0.0, *s.Client.Reconnect.Randomization)
		}},
		{"client.user_join", "false", func(t *testing.T, s *Scenario) { assert.False(t, *s.Client.UserJoin) }},
		{"client.user_join", "", func(t *testing.T, s *Scenario) { assert.Nil(t, s.Client.UserJoin, "empty: back to the default") }},
		{"target.urls", "http://a:1, http://b:2", func(t *testing.T, s *Scenario) {
			assert.Equal(t, []string{"http://a:1", "http://b:2"}, s.Target.URLs)
		}},
		{"target.urls", "[http://c:3]", func(t *testing.T, s *Scenario) { assert.Equal(t, []string{"http://c:3"}, s.Target.URLs) }},
		{"target.urls", "", func(t *testing.T, s *Scenario) { assert.Nil(t, s.Target.URLs) }},
		{"auth.user", `u{{printf "%06d" (add (mod .Index 10) 2)}}`, func(t *testing.T, s *Scenario) {
			assert.Equal(t, `u{{printf "%06d" (add (mod .Index 10) 2)}}`, s.Auth.User, "strings are taken as they are")
		}},
		{"name", "a: b # not YAML", func(t *testing.T, s *Scenario) { assert.Equal(t, "a: b # not YAML", s.Name) }},
		{"vars.room", "c0002", func(t *testing.T, s *Scenario) { assert.Equal(t, map[string]string{"room": "c0002"}, s.Vars) }},
		{"vars.with.dots", "x", func(t *testing.T, s *Scenario) { assert.Equal(t, "x", s.Vars["with.dots"]) }},
		{"flows.0.weight", "0", func(t *testing.T, s *Scenario) { assert.Equal(t, 0, *s.Flows[0].Weight) }},
		{"flows.0.steps.0.emit_with_ack.timeout", "2s", func(t *testing.T, s *Scenario) {
			assert.Equal(t, 2*time.Second, s.Flows[0].Steps[0].EmitWithAck.Timeout)
		}},
		{"flows.0.steps.0.emit_with_ack.args.0.k", "42", func(t *testing.T, s *Scenario) {
			assert.Equal(t, []any{map[string]any{"k": 42, "list": []any{1, 2}}}, s.Flows[0].Steps[0].EmitWithAck.Args)
		}},
		{"flows.0.steps.0.emit_with_ack.args.0.list.1", "two", func(t *testing.T, s *Scenario) {
			assert.Equal(t, []any{1, "two"}, s.Flows[0].Steps[0].EmitWithAck.Args[0].(map[string]any)["list"])
		}},
		{"flows.0.steps.0.emit_with_ack.expect", "{ok: true}", func(t *testing.T, s *Scenario) {
			assert.Equal(t, map[string]any{"ok": true}, s.Flows[0].Steps[0].EmitWithAck.Expect)
		}},
		{"flows.0.steps.2.control.params.deltas", "20", func(t *testing.T, s *Scenario) {
			assert.Equal(t, map[string]any{"user_id": "u000002", "deltas": 20}, s.Flows[0].Steps[2].Control.Params)
		}},
		{"flows.0.steps.1", "{listen: {events: [a]}}", func(t *testing.T, s *Scenario) {
			assert.Equal(t, "listen", s.Flows[0].Steps[1].Kind())
		}},
		{"flows.0.steps.1", "disconnect", func(t *testing.T, s *Scenario) {
			assert.Equal(t, "disconnect", s.Flows[0].Steps[1].Kind())
		}},
		{"thresholds", "connect_p99 < 1s", func(t *testing.T, s *Scenario) {
			assert.Equal(t, []string{"connect_p99 < 1s"}, s.Thresholds)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.path+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			s, err := Load("t.yaml", strings.NewReader(setBase))
			require.NoError(t, err)
			require.NoError(t, Set(s, tt.path, tt.value))
			tt.check(t, s)
		})
	}
}

func TestSetErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, value, want string
	}{
		{"", "1", "scenarios: bad --set =1: want a dotted path such as client.heartbeat or phases.0.rate"},
		{"client..heartbeat", "1s", "scenarios: bad --set client..heartbeat=1s: want a dotted path such as client.heartbeat or phases.0.rate"},
		{"clinet.heartbeat", "1s", "scenarios: bad --set clinet.heartbeat=1s: a scenario has no field \"clinet\" (want one of name, description, target, auth, client, phases, teardown, flows, thresholds, vars, data, server)"},
		{"client.hartbeat", "1s", "scenarios: bad --set client.hartbeat=1s: client has no field \"hartbeat\" (want one of heartbeat, user_join, fetch_config, ack_timeout, connect_timeout, reconnect, park_idle)"},
		{"client.heartbeat", "often", `scenarios: bad --set client.heartbeat=often: "often" is not a duration (want e.g. 300ms, 2m)`},
		{"client.heartbeat.x", "1s", "scenarios: bad --set client.heartbeat.x=1s: client.heartbeat is a duration: it has no field \"x\""},
		{"phases.0.rate", "fast", `scenarios: bad --set phases.0.rate=fast: "fast" is not a number`},
		{"phases.0.from", "[1", "scenarios: bad --set phases.0.from=[1: not a YAML value: line 1: did not find expected ',' or ']'"},
		{"phases.2.rate", "1", "scenarios: bad --set phases.2.rate=1: phases: index 2 out of range (the list has 2)"},
		{"phases.-1.rate", "1", "scenarios: bad --set phases.-1.rate=1: phases: index -1 out of range (the list has 2)"},
		{"phases.first.rate", "1", `scenarios: bad --set phases.first.rate=1: phases is a list: want an index, got "first"`},
		{"phases.1", "{kind: hold, durashun: 1s}", "scenarios: bad --set phases.1={kind: hold, durashun: 1s}: phases.1.durashun: unknown field (want one of name, kind, duration, from, to, population, rate, max_in_flight)"},
		{"flows.0.steps.1.emit.event", "x", "scenarios: bad --set flows.0.steps.1.emit.event=x: flows.0.steps.1 is a think step, not emit"},
		{"flows.0.steps.1.nap", "x", "scenarios: bad --set flows.0.steps.1.nap=x: flows.0.steps.1: unknown step kind \"nap\" (want one of connect, emit, emit_with_ack, wait_for, listen, think, loop, disconnect, reconnect, vanish, control)"},
		{"flows.0.steps.9", "disconnect", "scenarios: bad --set flows.0.steps.9=disconnect: flows.0.steps: index 9 out of range (the list has 3)"},
		{"flows.0.steps.0.emit_with_ack.args.0.nope.deeper", "1", `scenarios: bad --set flows.0.steps.0.emit_with_ack.args.0.nope.deeper=1: flows.0.steps.0.emit_with_ack.args.0 has no key "nope"`},
		{"flows.0.steps.0.emit_with_ack.args.0.k.x", "1", `scenarios: bad --set flows.0.steps.0.emit_with_ack.args.0.k.x=1: flows.0.steps.0.emit_with_ack.args.0.k is not a mapping or a list: it has no field "x"`},
		{"flows.0.steps.0.emit_with_ack.args.0.list.5", "1", "scenarios: bad --set flows.0.steps.0.emit_with_ack.args.0.list.5=1: flows.0.steps.0.emit_with_ack.args.0.list: index 5 out of range (the list has 2)"},
		{"client.reconnect.enabled.x", "1", `scenarios: bad --set client.reconnect.enabled.x=1: client.reconnect.enabled is a bool: it has no field "x"`},
		{"target.urls", "[a, [b]]", "scenarios: bad --set target.urls=[a, [b]]: target.urls[1]: want a string, got a list"},
	}
	for _, tt := range tests {
		t.Run(tt.path+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			s, err := Load("t.yaml", strings.NewReader(setBase))
			require.NoError(t, err)
			before := s.Clone()
			err = Set(s, tt.path, tt.value)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrSet)
			assert.Equal(t, tt.want, err.Error())
			assert.Equal(t, before, s, "a failed Set changes nothing")
		})
	}
}

// teardown: 2s by default, 0s (every client at once) stays 0, negative
// is an error with its line.
func TestTeardown(t *testing.T) {
	t.Parallel()
	s, err := Load("f.yaml", strings.NewReader(minimal))
	require.NoError(t, err)
	assert.Equal(t, DefaultTeardown, *s.WithDefaults().Teardown)
	require.NoError(t, Set(s, "teardown", "0s"))
	assert.Zero(t, *s.WithDefaults().Teardown)

	s, err = Load("f.yaml", strings.NewReader("teardown: -1s\n"+minimal))
	require.NoError(t, err)
	assert.EqualError(t, s.Validate(), "f.yaml:1: teardown: -1s is negative")
}

// server.* keys are serve flags for a managed server: --set creates them,
// Validate checks their shape.
func TestSetServerKeys(t *testing.T) {
	t.Parallel()
	s, err := Builtin("heartbeat-load")
	require.NoError(t, err)
	require.NoError(t, Set(s, "server.ping_interval", "2s"))
	require.NoError(t, Set(s, "server.fault", "delay-events=10ms"))
	assert.Equal(t, map[string]string{"ping_interval": "2s", "fault": "delay-events=10ms"}, s.Server)
	assert.NoError(t, s.Validate())
	for _, bad := range []struct{ key, value string }{{"Ping-Interval", "1s"}, {"ping_timeout", ""}} {
		c := s.Clone()
		c.Server[bad.key] = bad.value
		assert.ErrorContains(t, c.Validate(), "server."+bad.key+": want a serve flag without its dashes", bad.key)
	}
}
