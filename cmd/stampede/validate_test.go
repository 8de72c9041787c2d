package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeScenario(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	return path
}

func TestValidateCommand(t *testing.T) {
	t.Parallel()
	good := writeScenario(t, "good.yaml", `name: mine
phases:
  - {kind: ramp, from: 0, to: 10, duration: 5s}
  - {kind: hold, duration: 5s}
flows:
  - steps: [{think: {fixed: 1s}}]
`)
	syntax := writeScenario(t, "syntax.yaml", `name: bad
phases:
  - {kind: hold, duration: 5 seconds}
flows:
  - steps:
      - emit: {event: x}
        think: {fixed: 1s}
      - emit_with_ack: {event: y, timout: 1s}
`)
	meaning := writeScenario(t, "meaning.yaml", `phases:
  - {kind: ramp, to: 10}
flows:
  - weight: -1
    steps: [{emit: {event: ""}}]
thresholds: ["p99 lots"]
`)
	thresholds := writeScenario(t, "thresholds.yaml", `phases: [{kind: hold, duration: 1s}]
flows: [{steps: [disconnect]}]
thresholds:
  - handshake_p99 < 1s
  - handshake < 1s
  - user_join_p99 < 5 parsecs
  - error_rate < 1s
`)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr []string // exact lines
	}{
		{"file", []string{good}, exitOK, "ok: mine (2 phases, 1 flows)\n", nil},
		{"builtin", []string{"connect-storm"}, exitOK, "ok: connect-storm (2 phases, 1 flows)\n", nil},
		{"builtin scaled, flags after", []string{"room-fanout", "--vus", "20000", "--duration", "5m", "--set", "vars.room=c0002"}, exitOK,
			"ok: room-fanout (2 phases, 2 flows)\n", nil},
		{"flags before", []string{"--set", "client.heartbeat=15s", good}, exitOK, "ok: mine (2 phases, 1 flows)\n", nil},
		{"syntax errors, all at once", []string{syntax}, exitUsage, "", []string{
			syntax + `:3: phases[0].duration: "5 seconds" is not a duration (want e.g. 300ms, 2m)`,
			syntax + `:6: flows[0].steps[0]: a step has exactly one key, the step's kind; got 2 (emit, think)`,
			syntax + `:8: flows[0].steps[1].emit_with_ack.timout: unknown field (want one of event, args, timeout, expect, tag)`,
		}},
		{"meaning errors, all at once", []string{meaning}, exitUsage, "", []string{
			meaning + `:2: phases[0].duration: required for a ramp phase`,
			meaning + `:3: flows: the weights add up to 0: no flow would run`,
			meaning + `:4: flows[0].weight: -1 is negative`,
			meaning + `:5: flows[0].steps[0].emit.event: required: an event name`,
			meaning + `:6: thresholds[0]: threshold "p99 lots": column 1: unknown metric "p99" (want one of connect_tcp handshake sio_connect user_join ack push reconnect recovery lag connections disconnects reconnects messages_sent messages_received bytes_sent bytes_received errors starts_dropped starts_delayed starts error_rate)`,
		}},
		{"thresholds parsed in full", []string{thresholds}, exitUsage, "", []string{
			thresholds + `:5: thresholds[1]: threshold "handshake < 1s": column 10: handshake is a timer: name a statistic, e.g. handshake_p99`,
			thresholds + `:6: thresholds[2]: threshold "user_join_p99 < 5 parsecs": column 19: unexpected "parsecs" after the value`,
			thresholds + `:7: thresholds[3]: threshold "error_rate < 1s": column 15: error_rate is a ratio: give a percentage (0.1%) or a fraction (0.001), not "s"`,
		}},
		{"bad --set and what it breaks", []string{good, "--set", "phases.5.rate=1", "--set", "client.heartbeat=often", "--set", "phases.0.to=-1"}, exitUsage, "", []string{
			"stampede validate: scenarios: bad --set phases.5.rate=1: phases: index 5 out of range (the list has 2)",
			`stampede validate: scenarios: bad --set client.heartbeat=often: "often" is not a duration (want e.g. 300ms, 2m)`,
			good + ":3: phases[0].to: -1 is below from 0 (a ramp goes up; use constant to go down)",
		}},
		{"--set without =", []string{good, "--set", "vars.room"}, exitUsage, "", []string{
			`stampede validate: invalid value "vars.room" for flag -set: want key=value, got "vars.room"`,
		}},
		{"unknown built-in", []string{"nope"}, exitUsage, "", []string{
			`stampede validate: scenarios: unknown built-in scenario "nope" (want a file, or one of chat-stream, collab-doc, connect-storm, echo-baseline, echo-fanout, heartbeat-load, ping-settings, reconnect-backoff, room-burst, room-fanout)`,
		}},
		{"missing file", []string{"missing/x.yaml"}, exitUsage, "", []string{
			"stampede validate: scenarios: open missing/x.yaml: no such file or directory",
		}},
		{"negative --vus", []string{good, "--vus", "-3"}, exitUsage, "", []string{"stampede validate: --vus -3: want a positive number"}},
		{"bad --duration", []string{good, "--duration", "soon"}, exitUsage, "", []string{
			`stampede validate: invalid value "soon" for flag -duration: parse error`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, out, errb := testEnv(nil)
			code := runCmd(context.Background(), e, "validate", tt.args)
			assert.Equal(t, tt.code, code, "stderr: %s", errb.String())
			assert.Equal(t, tt.stdout, out.String())
			if tt.stderr != nil {
				assert.Equal(t, strings.Join(tt.stderr, "\n")+"\n", errb.String())
			} else {
				assert.Empty(t, errb.String())
			}
		})
	}
}

func TestValidateCommandUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"a.yaml", "b.yaml"}, {"--nope", "a.yaml"}} {
		e, _, errb := testEnv(nil)
		assert.Equal(t, exitUsage, runCmd(context.Background(), e, "validate", args), "args %v", args)
		assert.NotEmpty(t, errb.String(), "args %v", args)
	}
	e, out, _ := testEnv(nil)
	assert.Equal(t, exitOK, runCmd(context.Background(), e, "validate", []string{"--help"}))
	assert.Contains(t, out.String(), "connect-storm")
	assert.Contains(t, out.String(), "Examples:")

	e, out, _ = testEnv(nil)
	assert.Equal(t, exitOK, runCmd(context.Background(), e, "validate", []string{"--", "echo-baseline"}))
	assert.Equal(t, "ok: echo-baseline (2 phases, 2 flows)\n", out.String())
}

func TestValidateEveryBuiltin(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir("../../scenarios")
	require.NoError(t, err)
	n := 0
	for _, entry := range entries {
		if !strings.HasSuffix(entry.Name(), ".yaml") {
			continue
		}
		n++
		for _, arg := range []string{strings.TrimSuffix(entry.Name(), ".yaml"), "../../scenarios/" + entry.Name()} {
			e, out, errb := testEnv(nil)
			assert.Equal(t, exitOK, runCmd(context.Background(), e, "validate", []string{arg}), "%s: %s", arg, errb.String())
			assert.True(t, strings.HasPrefix(out.String(), "ok: "+strings.TrimSuffix(entry.Name(), ".yaml")+" ("), out.String())
		}
	}
	assert.Equal(t, 10, n)
}
