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
		{[]string{"--max-attachments", "0"}, nil, "--max-attachments"},
		{[]string{"--max-queue", "-1"}, nil, "--max-queue"},
		{[]string{"--connect-timeout", "0s"}, nil, "--connect-timeout"},
		{[]string{"--idle-timeout", "-1s"}, nil, "--idle-timeout"},
		{[]string{"--fault", "no-such-limit"}, nil, "unknown fault"},
		{[]string{"--ping-interval", "abc"}, nil, "ping-interval"},
		{[]string{"--path", "no-slash"}, nil, "must start with /"},
		{[]string{"--log-level", "loud"}, nil, "--log-level"},
		{[]string{"extra"}, nil, `unexpected argument "extra"`},
		{nil, map[string]string{"WEBSOCKET_SERVER_PING_INTERVAL": "abc"}, "WEBSOCKET_SERVER_PING_INTERVAL"},
		{nil, map[string]string{"WEBSOCKET_SERVER_PING_TIMEOUT": "-3"}, "WEBSOCKET_SERVER_PING_TIMEOUT"},
		{nil, map[string]string{"ENABLE_WEBSOCKET_SUPPORT": "maybe"}, "ENABLE_WEBSOCKET_SUPPORT"},
		{[]string{"--addr", "256.0.0.1:99999"}, nil, "failed to listen"},
		{[]string{"--manager", "kafka"}, nil, `--manager "kafka"`},
		{nil, map[string]string{"WEBSOCKET_MANAGER": "etcd"}, `--manager "etcd"`},
		{[]string{"--redis-url", "http://x"}, nil, "redis URL"},
		{[]string{"--manager", "redis", "--redis-lock-timeout", "500ms"}, nil, "at least 1s"},
		{nil, map[string]string{"WEBSOCKET_MANAGER": "redis", "WEBSOCKET_REDIS_LOCK_TIMEOUT": "x"}, "WEBSOCKET_REDIS_LOCK_TIMEOUT"},
		{nil, map[string]string{"WEBSOCKET_REDIS_ROOM_CHANNELS": "sometimes"}, "WEBSOCKET_REDIS_ROOM_CHANNELS"},
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

// Section 12's limits: each flag reaches the config; the defaults are
// LIM-1 16 attachments, LIM-4 45s, LIM-5 10s and 60s, LIM-6 4096 packets.
func TestServeLimitFlags(t *testing.T) {
	t.Parallel()
	e, _, _ := testEnv(nil)
	cfg, _, err := parseServe(e, nil)
	require.NoError(t, err)
	assert.Equal(t, 16, cfg.MaxAttachments)
	assert.Equal(t, 4096, cfg.MaxQueue)
	assert.Equal(t, []time.Duration{45 * time.Second, 10 * time.Second, 60 * time.Second},
		[]time.Duration{cfg.ConnectTimeout, cfg.ReadHeaderTimeout, cfg.IdleTimeout})

	cfg, _, err = parseServe(e, []string{"--max-attachments", "3", "--max-queue", "100", "--connect-timeout", "2s",
		"--read-header-timeout", "1s", "--idle-timeout", "3s", "--fault", "no-queue-limit", "--fault", "accept-invalid-utf8"})
	require.NoError(t, err)
	assert.Equal(t, 3, cfg.MaxAttachments)
	assert.Equal(t, 100, cfg.MaxQueue)
	assert.Equal(t, []time.Duration{2 * time.Second, time.Second, 3 * time.Second},
		[]time.Duration{cfg.ConnectTimeout, cfg.ReadHeaderTimeout, cfg.IdleTimeout})
	assert.True(t, cfg.Faults.Engine.NoQueueLimit)
	assert.True(t, cfg.Faults.Engine.AcceptInvalidUTF8)
}

// The Redis mode's settings (SCALE): WEBSOCKET_MANAGER=redis turns it on
// with WEBSOCKET_REDIS_URL; a --redis-url flag alone does too; the URL of
// the environment alone does not (open-webui defaults it to REDIS_URL).
func TestServeRedisSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		vars     map[string]string
		url      string
		prefix   string
		lock     time.Duration
		shared   bool
		channels string
	}{
		{"local by default", nil, map[string]string{"WEBSOCKET_REDIS_URL": "redis://10.0.0.1:6379/0"}, "", "open-webui", 60 * time.Second, false, "socketio"},
		{"env", nil, map[string]string{"WEBSOCKET_MANAGER": "redis", "WEBSOCKET_REDIS_URL": "redis://127.0.0.1:6390/2",
			"REDIS_KEY_PREFIX": "ow", "WEBSOCKET_REDIS_LOCK_TIMEOUT": "5", "WEBSOCKET_REDIS_ROOM_CHANNELS": "false"},
			"redis://127.0.0.1:6390/2", "ow", 5 * time.Second, true, "socketio"},
		{"manager without URL", []string{"--manager", "redis"}, nil, "redis://127.0.0.1:6379/0", "open-webui", 60 * time.Second, false, "socketio"},
		{"flag beats env", []string{"--redis-url", "redis://127.0.0.1:6391/0", "--redis-key-prefix", "p", "--redis-lock-timeout", "3s",
			"--redis-room-channels=true", "--redis-channel", "sio2"},
			map[string]string{"WEBSOCKET_MANAGER": "redis", "WEBSOCKET_REDIS_URL": "redis://127.0.0.1:6390/2", "REDIS_KEY_PREFIX": "ow",
				"WEBSOCKET_REDIS_ROOM_CHANNELS": "false"},
			"redis://127.0.0.1:6391/0", "p", 3 * time.Second, false, "sio2"},
	}
	for _, tt := range tests {
		e, _, _ := testEnv(tt.vars)
		cfg, _, err := parseServe(e, tt.args)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.url, cfg.RedisURL, tt.name)
		c, err := cfg.WithDefaults()
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.prefix, c.RedisKeyPrefix, tt.name)
		assert.Equal(t, tt.lock, c.RedisLockTimeout, tt.name)
		assert.Equal(t, tt.shared, c.RedisSharedChannel, tt.name)
		assert.Equal(t, tt.channels, c.RedisChannel, tt.name)
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
