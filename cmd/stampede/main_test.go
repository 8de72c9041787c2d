package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testEnv(vars map[string]string) (env, *syncBuffer, *syncBuffer) {
	out, errb := &syncBuffer{}, &syncBuffer{}
	return env{stdout: out, stderr: errb, getenv: func(k string) string { return vars[k] }}, out, errb
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"help"}, exitOK, "serve"},
		{[]string{"help", "serve"}, exitOK, "--ping-interval"},
		{[]string{"serve", "--help"}, exitOK, "Examples:"},
		{[]string{"version"}, exitOK, "stampede "},
		{[]string{"help", "nope"}, exitUsage, ""},
		{[]string{"nope"}, exitUsage, ""},
		{nil, exitUsage, ""},
	}
	for _, tt := range tests {
		e, out, _ := testEnv(nil)
		code := run(context.Background(), e, tt.args)
		assert.Equal(t, tt.code, code, "args %v", tt.args)
		assert.Contains(t, out.String(), tt.contains, "args %v", tt.args)
	}
}

func TestServeBadValuesExit2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		vars    map[string]string
		message string
	}{
		{[]string{"--transports", "foo"}, nil, `unknown transport "foo"`},
		{[]string{"--max-payload", "0"}, nil, "--max-payload"},
		{[]string{"--ping-interval", "abc"}, nil, "ping-interval"},
		{[]string{"--path", "no-slash"}, nil, "must start with /"},
		{[]string{"--log-level", "loud"}, nil, "--log-level"},
		{[]string{"extra"}, nil, `unexpected argument "extra"`},
		{nil, map[string]string{"WEBSOCKET_SERVER_PING_INTERVAL": "abc"}, "WEBSOCKET_SERVER_PING_INTERVAL"},
		{nil, map[string]string{"WEBSOCKET_SERVER_PING_TIMEOUT": "-3"}, "WEBSOCKET_SERVER_PING_TIMEOUT"},
		{nil, map[string]string{"ENABLE_WEBSOCKET_SUPPORT": "maybe"}, "ENABLE_WEBSOCKET_SUPPORT"},
		{[]string{"--addr", "256.0.0.1:99999"}, nil, "failed to listen"},
	}
	for _, tt := range tests {
		e, _, errb := testEnv(tt.vars)
		code := run(context.Background(), e, append([]string{"serve"}, tt.args...))
		assert.Equal(t, exitUsage, code, "args %v env %v", tt.args, tt.vars)
		assert.Contains(t, errb.String(), tt.message, "args %v env %v", tt.args, tt.vars)
	}
}

// Settings: flag, then open-webui's environment variable, then the default (CLI.md).
func TestServeSettingsPrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		vars       map[string]string
		interval   time.Duration
		transports []string
		cors       []string
	}{
		{"defaults are left to refserver", nil, nil, 0, nil, nil},
		{"env", nil, map[string]string{"WEBSOCKET_SERVER_PING_INTERVAL": "7", "ENABLE_WEBSOCKET_SUPPORT": "false", "CORS_ALLOW_ORIGIN": "http://a;http://b"},
			7 * time.Second, []string{"polling"}, []string{"http://a", "http://b"}},
		{"flag beats env", []string{"--ping-interval", "2s", "--transports", "polling,websocket", "--cors-origins", "http://c"},
			map[string]string{"WEBSOCKET_SERVER_PING_INTERVAL": "7", "ENABLE_WEBSOCKET_SUPPORT": "false", "CORS_ALLOW_ORIGIN": "http://a"},
			2 * time.Second, []string{"polling", "websocket"}, []string{"http://c"}},
	}
	for _, tt := range tests {
		e, _, _ := testEnv(tt.vars)
		cfg, _, err := parseServe(e, tt.args)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.interval, cfg.PingInterval, tt.name)
		assert.Equal(t, tt.transports, cfg.Transports, tt.name)
		assert.Equal(t, tt.cors, cfg.CORSOrigins, tt.name)
	}
}

var readyLine = regexp.MustCompile(`ready on (http://127\.0\.0\.1:\d+/ws/socket\.io/)`)

// serve prints the ready line with its URL, serves /healthz, and on a signal
// (here: the context) drains and exits 0 (CLI.md).
func TestServeReadyAndCleanExit(t *testing.T) {
	t.Parallel()
	e, out, errb := testEnv(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, []string{"serve", "--addr", "127.0.0.1:0", "--drain-timeout", "2s"}) }()

	var url string
	require.Eventually(t, func() bool {
		m := readyLine.FindStringSubmatch(out.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	}, 5*time.Second, 10*time.Millisecond, "no ready line; stderr: %s", errb.String())

	base := strings.TrimSuffix(url, "/ws/socket.io/")
	resp, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	resp, err = http.Get(url + "?EIO=3&transport=polling")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "EIO-2 through the CLI-built server")

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code)
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not exit after the signal")
	}
}
