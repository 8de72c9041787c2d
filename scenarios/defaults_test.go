package scenarios

import (
	"bytes"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWithDefaults(t *testing.T) {
	t.Parallel()
	s, err := Load("d.yaml", strings.NewReader(`phases:
  - {kind: spike, population: 3}
  - {name: rest, kind: spike, population: 3, max_in_flight: 9}
  - {kind: hold, duration: 1s}
flows:
  - steps:
      - connect
      - emit: {event: a}
      - loop: {count: 1, steps: [{emit_with_ack: {event: b, tag: bee}}, {wait_for: {event: c}}]}
  - {name: named, weight: 0, steps: [disconnect]}
`))
	require.NoError(t, err)
	d := s.WithDefaults()

	assert.Equal(t, Target{URLs: []string{"http://127.0.0.1:8080"}, Path: "/ws/socket.io", Transport: "websocket",
		Namespace: "/", Metrics: ptr(true)}, d.Target)
	assert.Equal(t, Auth{Mode: "mint", User: `u{{printf "%06d" (add .Index 2)}}`, Expires: time.Hour}, d.Auth)
	assert.Equal(t, Client{Heartbeat: 0, UserJoin: ptr(true), FetchConfig: ptr(true), AckTimeout: 10 * time.Second,
		ConnectTimeout: 20 * time.Second, Reconnect: Reconnect{Enabled: ptr(true), Delay: time.Second,
			DelayMax: 5 * time.Second, Randomization: ptr(0.5)}}, d.Client)
	assert.Equal(t, []string{"phase-0", "rest", "phase-2"}, []string{d.Phases[0].Name, d.Phases[1].Name, d.Phases[2].Name})
	assert.Equal(t, []int{128, 9, 0}, []int{d.Phases[0].MaxInFlight, d.Phases[1].MaxInFlight, d.Phases[2].MaxInFlight})
	assert.Equal(t, "flow-0", d.Flows[0].Name)
	assert.Equal(t, 1, *d.Flows[0].Weight)
	assert.Equal(t, 0, *d.Flows[1].Weight, "an explicit 0 stays")
	steps := d.Flows[0].Steps
	assert.Equal(t, "/", steps[0].Connect.Namespace)
	assert.Equal(t, "a", steps[1].Emit.Tag)
	assert.Equal(t, time.Duration(0), steps[1].Emit.Timeout)
	assert.Equal(t, EmitStep{Event: "b", Tag: "bee", Timeout: 10 * time.Second}, *steps[2].Loop.Steps[0].EmitWithAck)
	assert.Equal(t, 10*time.Second, steps[2].Loop.Steps[1].WaitFor.Timeout)

	// A copy: s is as loaded, and defaults are idempotent.
	assert.Empty(t, s.Target.URLs)
	assert.Nil(t, s.Flows[0].Weight)
	assert.Equal(t, "", s.Flows[0].Steps[0].Connect.Namespace)
	assert.Equal(t, d, d.WithDefaults())
	assert.NoError(t, d.Validate())
}

func TestDefaultsKeepSetValues(t *testing.T) {
	t.Parallel()
	s := &Scenario{
		Target: Target{URLs: []string{"http://x:1"}, Transport: "polling", Metrics: ptr(false)},
		Client: Client{UserJoin: ptr(false), Reconnect: Reconnect{Enabled: ptr(false), Randomization: ptr(0.0)}},
	}
	d := s.WithDefaults()
	assert.Equal(t, []string{"http://x:1"}, d.Target.URLs)
	assert.Equal(t, "polling", d.Target.Transport)
	assert.False(t, *d.Target.Metrics)
	assert.False(t, *d.Client.UserJoin)
	assert.False(t, *d.Client.Reconnect.Enabled)
	assert.Equal(t, 0.0, *d.Client.Reconnect.Randomization)
}

func TestDefaultUser(t *testing.T) {
	t.Parallel()
	tmpl, err := ParseTemplate("user", DefaultUser)
	require.NoError(t, err)
	wrap := template.Must(ParseTemplate("user", `u{{printf "%06d" (add (mod .Index 500) 2)}}`))
	for _, tt := range []struct {
		index       int
		user, wrapd string
	}{{0, "u000002", "u000002"}, {1, "u000003", "u000003"}, {499, "u000501", "u000501"}, {500, "u000502", "u000002"}, {19998, "u020000", "u000500"}} {
		var b, w bytes.Buffer
		require.NoError(t, tmpl.Execute(&b, TemplateData{Index: tt.index}))
		require.NoError(t, wrap.Execute(&w, TemplateData{Index: tt.index}))
		assert.Equal(t, tt.user, b.String(), "client %d", tt.index)
		assert.Equal(t, tt.wrapd, w.String(), "client %d wrapped", tt.index)
	}
}
