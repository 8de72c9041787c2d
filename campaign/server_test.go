package campaign

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeArgs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		args  []string
		procs int
		want  []string
	}{
		{"defaults added", []string{"--ping-interval=1s"}, 1, []string{"--ping-interval=1s", "--addr=127.0.0.1:0", "--log-level=warn"}},
		{"given kept", []string{"--addr=127.0.0.1:0", "--log-level", "debug"}, 1, []string{"--addr=127.0.0.1:0", "--log-level", "debug"}},
		{"processes over redis", nil, 3, []string{"--addr=127.0.0.1:0", "--log-level=warn", "--processes=3", "--manager=redis",
			"--redis-channel=stampede-campaign-x", "--redis-key-prefix=stampede-campaign-x", "--transports=websocket"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, serveArgs(tc.args, tc.procs, "x"))
		})
	}
	assert.Equal(t, 1, ProcessesFor(10, 0))
	assert.Equal(t, 2, ProcessesFor(15001, 0))
	assert.Equal(t, 3, ProcessesFor(101, 50))
}

func TestSettingsArgs(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"--heartbeat-interval=10s", "--ping-interval=1s"},
		SettingsArgs(map[string]string{"ping_interval": "1s", "heartbeat_interval": "10s"}))
	for _, tc := range []struct{ in, want, err string }{
		{in: "ping-interval=1s", want: "--ping-interval=1s"},
		{in: "--fault=delay-events=5ms", want: "--fault=delay-events=5ms"},
		{in: "lab", want: "--lab"},
		{in: "=1s", err: `--serve-arg "=1s": want FLAG=VALUE`},
	} {
		got, err := ServeArg(tc.in)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
}

// A managed server starts on a free port, serves, and is gone after Stop.
func TestStartServer(t *testing.T) {
	t.Parallel()
	srv, err := StartServer(context.Background(), ServerConfig{Exe: stampedeBinary(t), Secret: []byte("s"),
		Args: []string{"--ping-interval=1s", "--users=100"}})
	require.NoError(t, err)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, srv.URL)
	assert.Equal(t, srv.URL+"/echo", srv.Target("http://127.0.0.1:8080/echo"))
	assert.Equal(t, srv.URL, srv.Target(""))
	resp, err := http.Get(srv.URL + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	start := time.Now()
	srv.Stop()
	assert.True(t, srv.Exited())
	assert.Less(t, time.Since(start), DefaultStopTimeout, "SIGTERM ended it, not the kill")
	_, err = http.Get(srv.URL + "/healthz")
	assert.Error(t, err, "nothing listens any more")
	srv.Stop() // again: nothing happens
}

// A server that cannot start says why, with its own message.
func TestStartServerFails(t *testing.T) {
	t.Parallel()
	_, err := StartServer(context.Background(), ServerConfig{Exe: stampedeBinary(t), Args: []string{"--no-such-flag=1"}})
	assert.ErrorIs(t, err, ErrServer)
	assert.ErrorContains(t, err, "exited before it was ready")
	assert.ErrorContains(t, err, "no-such-flag")
}
