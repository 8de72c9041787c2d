package simulator

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/refservertest"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator/schedule"
)

// A scenario whose transport the server refuses stops before the start
// with a one-line hint naming what the server takes and the --set to
// change (CLIENT-2): the run would otherwise fail every connection with
// "Transport unknown" or an EOF. Reachability is the handshake: no
// /metrics is needed (the refserver has one; the Node tests show one
// without).
func TestRunTransportMismatchHint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		server, scenario []string
		want             string
	}{
		{[]string{"polling"}, []string{"websocket"},
			"the server does not accept websocket (client: websocket dial: client: HTTP 400"},
		{[]string{"polling"}, []string{"websocket"},
			"it accepts polling, it may be polling-only: --set target.transport=polling"},
		{[]string{"websocket"}, []string{"polling"},
			"it accepts websocket, it may be websocket-only: --set target.transport=websocket"},
		{[]string{"websocket"}, []string{"polling", "websocket"},
			`the server does not accept polling (client: polling handshake: client: polling transport: client: HTTP 400: "{\"code\":0,\"message\":\"Transport unknown\"}")`},
	}
	for _, tt := range tests {
		t.Run(tt.server[0]+"/"+tt.want[:20], func(t *testing.T) {
			t.Parallel()
			_, url := refservertest.Start(t, refserver.Config{Transports: tt.server})
			s := testScenario(scenarios.Phase{Kind: scenarios.PhaseConstant, Population: 1, Duration: time.Second})
			s.Target.URLs, s.Target.Path = []string{url}, "/ws/socket.io"
			s.Target.Transport = strings.Join(tt.scenario, ",")
			started := false
			_, err := Run(t.Context(), RunConfig{Scenario: s, NewStart: func(*Env) (schedule.StartFunc, error) {
				started = true
				return nil, ErrSetup
			}})
			require.ErrorIs(t, err, ErrUnreachable)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.False(t, started, "no client started")
		})
	}
}

// The same server with a matching transport, and a path written without
// its trailing slash, is reachable.
func TestRunProbeAcceptsMatchingTransport(t *testing.T) {
	t.Parallel()
	_, url := refservertest.Start(t, refserver.Config{Transports: []string{"polling"}})
	s := testScenario(scenarios.Phase{Kind: scenarios.PhaseConstant, Population: 1, Duration: time.Second})
	s.Target.URLs, s.Target.Path, s.Target.Transport = []string{url + "/echo"}, "ws/socket.io", "polling"
	_, err := Run(t.Context(), RunConfig{Scenario: s, NewStart: func(*Env) (schedule.StartFunc, error) { return nil, ErrSetup }})
	require.ErrorIs(t, err, ErrSetup, "past the probe")
}
