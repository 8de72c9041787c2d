package refserver

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/engine"
)

// The Engine.IO faults that conformance/engineio uses to show its cases
// failing; each must be reachable from serve --fault.
func TestEngineIOFaultParsing(t *testing.T) {
	t.Parallel()
	var f Faults
	for _, v := range []string{"lazy-pong-timer", "eager-poll", "binary-as-text", "allow-second-websocket", "enforce-payload=999"} {
		require.NoError(t, f.Set(v), v)
	}
	assert.Equal(t, Faults{Engine: engine.Faults{LazyPongTimer: true, EagerPoll: true, BinaryAsText: true, AllowSecondWebsocket: true, EnforcePayload: 999}}, f)
	for _, bad := range []string{"eager-poll=1", "enforce-payload", "enforce-payload=0", "enforce-payload=-5", "enforce-payload=lots"} {
		assert.ErrorIs(t, f.Set(bad), ErrConfig, bad)
	}
	e := Faults{Engine: engine.Faults{EnforcePayload: 7, LazyPongTimer: true}}
	srv, err := New(Config{Lab: true, Faults: e})
	require.NoError(t, err)
	defer srv.Shutdown(context.Background())
	cfg := srv.engineConfig(nil)
	assert.Equal(t, 7, cfg.EnforcePayload, "passed to the engine")
	assert.True(t, cfg.LazyPongTimer, "passed to the engine")
}
