package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// minimal is the smallest valid scenario; tests append to it.
const minimal = `name: t
phases:
  - {kind: hold, duration: 1s}
flows:
  - steps:
      - think: {fixed: 1s}
`

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want []string // the whole message, one line per problem
	}{
		{"unknown top-level key", minimal + "treshold: [a]\n",
			[]string{`f.yaml:7: treshold: unknown field (want one of name, description, target, auth, client, phases, teardown, flows, thresholds, vars, data, server)`}},
		{"unknown nested key", "client:\n  reconnect:\n    delay_maxx: 1s\n",
			[]string{`f.yaml:3: client.reconnect.delay_maxx: unknown field (want one of enabled, delay, delay_max, randomization, attempts, overflow_bug)`}},
		{"bad duration", "flows:\n  - steps:\n      - think: {fixed: 1s}\n      - emit: {event: x}\n      - emit_with_ack:\n          event: x\n          timeout: 5 seconds\n",
			[]string{`f.yaml:7: flows[0].steps[2].emit_with_ack.timeout: "5 seconds" is not a duration (want e.g. 300ms, 2m)`}},
		{"duration without unit", "client: {ack_timeout: 5}\n",
			[]string{`f.yaml:1: client.ack_timeout: "5" is not a duration (want e.g. 300ms, 2m)`}},
		{"two keys in a step", "flows:\n  - steps:\n      - emit: {event: x}\n        think: {fixed: 1s}\n",
			[]string{`f.yaml:3: flows[0].steps[0]: a step has exactly one key, the step's kind; got 2 (emit, think)`}},
		{"no key in a step", "flows:\n  - steps:\n      - {}\n",
			[]string{`f.yaml:3: flows[0].steps[0]: a step has exactly one key, the step's kind; got 0 (none)`}},
		{"unknown step", "flows:\n  - steps:\n      - disconnect\n      - sleep: 1s\n",
			[]string{`f.yaml:4: flows[0].steps[1]: unknown step "sleep" (want one of connect, emit, emit_with_ack, wait_for, listen, think, loop, disconnect, reconnect, vanish, control)`}},
		{"empty step", "flows:\n  - steps:\n      -\n",
			[]string{"f.yaml:3: flows[0].steps[0]: want a step such as `emit: {event: x}` or `disconnect`, got nothing"}},
		{"settings on a bare step", "flows:\n  - steps:\n      - disconnect: {now: true}\n",
			[]string{`f.yaml:3: flows[0].steps[0].disconnect.now: unknown field (this takes no settings)`}},
		{"wrong type: int", "phases:\n  - {kind: ramp, to: many}\n",
			[]string{`f.yaml:2: phases[0].to: "many" is not an integer`}},
		{"wrong type: float for int", "phases:\n  - {kind: spike, population: 1.5}\n",
			[]string{`f.yaml:2: phases[0].population: "1.5" is not an integer`}},
		{"wrong type: list for mapping", "target: [a]\n",
			[]string{`f.yaml:1: target: want a mapping, got a list`}},
		{"wrong type: mapping for string", "name: {a: 1}\n",
			[]string{`f.yaml:1: name: want a string, got a mapping`}},
		{"wrong type: scalar for list", "thresholds: connect_p99 < 1s\n",
			[]string{`f.yaml:1: thresholds: want a list, got "connect_p99 < 1s"`}},
		{"wrong type: bool", "client: {user_join: maybe}\n",
			[]string{`f.yaml:1: client.user_join: "maybe" is not true or false`}},
		{"wrong type: number", "client: {reconnect: {randomization: lots}}\n",
			[]string{`f.yaml:1: client.reconnect.randomization: "lots" is not a number`}},
		{"infinite number", "phases:\n  - {kind: arrival, rate: .inf}\n",
			[]string{`f.yaml:2: phases[0].rate: ".inf" is not a finite number`}},
		{"duplicate key", "name: a\nname: b\n",
			[]string{`f.yaml:2: name: duplicate key`}},
		{"syntax error", "name: [a\n",
			[]string{`f.yaml:1: did not find expected ',' or ']'`}},
		{"empty", "", []string{`f.yaml: empty scenario`}},
		{"only a comment", "# nothing\n", []string{`f.yaml: empty scenario`}},
		{"not a mapping", "- a\n", []string{`f.yaml:1: want a mapping of scenario fields (name, phases, flows, …), got a list`}},
		{"two documents", "name: a\n---\nname: b\n", []string{`f.yaml:2: a second YAML document (a scenario is one document)`}},
		{"not a number in args", "flows:\n  - steps:\n      - emit: {event: x, args: [1, .nan]}\n",
			[]string{`f.yaml:3: flows[0].steps[0].emit.args[1]: .nan is not a finite number (JSON has none other)`}},
		{"recursive alias", "vars: &x\n  a: *x\n",
			[]string{`f.yaml:2: vars.a: want a string, got a mapping`}},
		{"several at once, in file order", `name: t
phases:
  - {kind: ramp, duration: 10 s, to: 5}
flows:
  - name: f
    weight: heavy
    steps:
      - emit: {event: x, timout: 1s}
      - {think: {fixed: 1s}, disconnect: {}}
client:
  heartbeat: often
`, []string{
			`f.yaml:3: phases[0].duration: "10 s" is not a duration (want e.g. 300ms, 2m)`,
			`f.yaml:6: flows[0].weight: "heavy" is not an integer`,
			`f.yaml:8: flows[0].steps[0].emit.timout: unknown field (want one of event, args, timeout, expect, tag)`,
			`f.yaml:9: flows[0].steps[1]: a step has exactly one key, the step's kind; got 2 (think, disconnect)`,
			`f.yaml:11: client.heartbeat: "often" is not a duration (want e.g. 300ms, 2m)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Load("f.yaml", strings.NewReader(tt.yaml))
			require.Error(t, err)
			assert.Nil(t, s)
			var errs Errors
			require.True(t, errors.As(err, &errs), "want Errors, got %T", err)
			assert.Equal(t, strings.Join(tt.want, "\n"), err.Error())
			assert.Len(t, errs, len(tt.want))
		})
	}
}

func TestLoadErrorFields(t *testing.T) {
	t.Parallel()
	_, err := Load("room-fanout.yaml", strings.NewReader(minimal+"      - emit: {event: x}\n      - emit_with_ack: {event: x, timeout: 5 seconds}\n"))
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 1)
	assert.Equal(t, Error{File: "room-fanout.yaml", Line: 8, Field: "flows[0].steps[2].emit_with_ack.timeout",
		Msg: `"5 seconds" is not a duration (want e.g. 300ms, 2m)`}, errs[0])
	assert.Equal(t, `room-fanout.yaml:8: flows[0].steps[2].emit_with_ack.timeout: "5 seconds" is not a duration (want e.g. 300ms, 2m)`, errs[0].Error())
}

func TestLoadTooManyErrors(t *testing.T) {
	t.Parallel()
	src := "flows:\n  - steps:\n" + strings.Repeat("      - nope\n", 500)
	_, err := Load("f.yaml", strings.NewReader(src))
	var errs Errors
	require.ErrorAs(t, err, &errs)
	assert.Len(t, errs, maxErrors+1)
	assert.Equal(t, "too many problems; stopped", errs[maxErrors].Msg)
}

func TestLoadAliasBomb(t *testing.T) {
	t.Parallel()
	src := "vars: {}\nx: &a [1,1,1,1,1,1,1,1,1,1]\n"
	prev := "a"
	for i := range 8 {
		name := string(rune('b' + i))
		src += "x" + name + ": &" + name + " [" + strings.Repeat("*"+prev+",", 9) + "*" + prev + "]\n"
		prev = name
	}
	_, err := Load("f.yaml", strings.NewReader(src))
	require.Error(t, err) // unknown fields x…, quickly, whatever the expansion
}

func TestLoad(t *testing.T) {
	t.Parallel()
	src := `name: full
description: every field
target:
  urls: [http://127.0.0.1:8080, "https://example.com"]
  path: /socket.io
  transport: polling,websocket
  namespace: /echo
  sources: [127.0.0.2]
  metrics: false
auth: {mode: file, tokens_file: tokens.txt, expires: 10m, user: 'u{{.Index}}'}
client:
  heartbeat: -1s
  user_join: false
  fetch_config: false
  ack_timeout: 3s
  connect_timeout: 4s
  reconnect: {enabled: false, delay: 2s, delay_max: 9s, randomization: 0, attempts: 7, overflow_bug: true}
phases:
  - {name: up, kind: ramp, from: 1, to: 10, duration: 2m}
  - {kind: arrival, rate: 2.5, duration: 300ms}
  - {kind: spike, population: 3, max_in_flight: 4}
flows:
  - name: a
    weight: 2
    steps:
      - connect: {namespace: /x}
      - emit_with_ack:
          event: e
          args: [1, 2.5, "s", true, null, {k: [v]}, 2024-01-01]
          expect: {ok: true}
          timeout: 1s
          tag: t
      - &w
        wait_for: {event: w, match: {a: 1}, timeout: 2s}
      - *w
      - listen: {events: [a, b], for: 5s}
      - think: {min: 1s, max: 2s}
      - loop:
          count: 2
          steps:
            - loop: {rate: 1.5, duration: 1s, steps: [reconnect]}
      - vanish: {for: 1s}
      - control: {action: stream, params: {user_id: u000002}, once: true}
      - disconnect
      - reconnect: ~
thresholds: ["connections >= 1"]
vars: {room: c0001}
data: {users: users.csv}
`
	s, err := Load("dir/full.yaml", strings.NewReader(src))
	require.NoError(t, err)
	assert.Equal(t, "full", s.Name)
	assert.Equal(t, []string{"http://127.0.0.1:8080", "https://example.com"}, s.Target.URLs)
	assert.Equal(t, false, *s.Target.Metrics)
	assert.Equal(t, "u{{.Index}}", s.Auth.User)
	assert.Equal(t, 10*time.Minute, s.Auth.Expires)
	assert.Equal(t, -time.Second, s.Client.Heartbeat)
	assert.Equal(t, 0.0, *s.Client.Reconnect.Randomization)
	assert.True(t, s.Client.Reconnect.OverflowBug)
	assert.Equal(t, Phase{Name: "up", Kind: PhaseRamp, From: 1, To: 10, Duration: 2 * time.Minute}, s.Phases[0])
	assert.Equal(t, 2.5, s.Phases[1].Rate)
	require.Len(t, s.Flows, 1)
	f := s.Flows[0]
	assert.Equal(t, 2, *f.Weight)
	require.Len(t, f.Steps, 11)
	kinds := make([]string, len(f.Steps))
	for i := range f.Steps {
		kinds[i] = f.Steps[i].Kind()
	}
	assert.Equal(t, []string{"connect", "emit_with_ack", "wait_for", "wait_for", "listen", "think", "loop", "vanish", "control", "disconnect", "reconnect"}, kinds)
	assert.Equal(t, []any{1, 2.5, "s", true, nil, map[string]any{"k": []any{"v"}}, "2024-01-01"}, f.Steps[1].EmitWithAck.Args)
	assert.Equal(t, map[string]any{"ok": true}, f.Steps[1].EmitWithAck.Expect)
	assert.Equal(t, f.Steps[2].WaitFor, f.Steps[3].WaitFor, "an alias decodes like its anchor")
	assert.Equal(t, 27, f.Steps[1].Line)
	assert.Equal(t, "reconnect", f.Steps[6].Loop.Steps[0].Loop.Steps[0].Kind())
	assert.Equal(t, map[string]any{"user_id": "u000002"}, f.Steps[8].Control.Params)
	assert.Equal(t, map[string]string{"room": "c0001"}, s.Vars)
	assert.Equal(t, map[string]string{"users": "users.csv"}, s.Data)
	assert.NoError(t, s.Validate())
}

func TestLoadFileAndOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "mine.yaml")
	require.NoError(t, os.WriteFile(good, []byte(minimal), 0o600))
	bad := filepath.Join(dir, "bad.yml")
	require.NoError(t, os.WriteFile(bad, []byte("nme: x\n"), 0o600))

	s, err := LoadFile(good)
	require.NoError(t, err)
	assert.Equal(t, "t", s.Name)

	_, err = LoadFile(bad)
	assert.EqualError(t, err, bad+`:1: nme: unknown field (want one of name, description, target, auth, client, phases, teardown, flows, thresholds, vars, data, server)`)

	s, err = Open(good)
	require.NoError(t, err)
	assert.Equal(t, "t", s.Name)
	s, err = Open("connect-storm")
	require.NoError(t, err)
	assert.Equal(t, "connect-storm", s.Name)
	_, err = Open("no-such-scenario")
	assert.ErrorIs(t, err, ErrUnknownBuiltin)
	_, err = Open(filepath.Join(dir, "missing.yaml"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}
