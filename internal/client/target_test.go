package client

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/client/serverurl"
)

// The stock Node server: both transports at /socket.io/, nothing at /nope/.
func TestAccepts(t *testing.T) {
	t.Parallel()
	url := echoServer(t)
	a := Accepts(t.Context(), url, &Options{Path: serverurl.EnginePath("/socket.io")})
	assert.True(t, a.Polling, "polling: %v", a.PollingErr)
	assert.True(t, a.Websocket, "websocket: %v", a.WebsocketErr)
	assert.Equal(t, "polling,websocket", a.String())

	a = Accepts(t.Context(), url, &Options{Path: "/nope/"})
	assert.False(t, a.Any())
	assert.Equal(t, "none", a.String())
	var he *HTTPError
	require.ErrorAs(t, a.PollingErr, &he)
	assert.Equal(t, 404, he.StatusCode)
}
