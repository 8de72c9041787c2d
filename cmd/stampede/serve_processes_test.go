package main

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/test/redistest"
)

// TestMain lets the test binary stand in for stampede when serve
// --processes starts its extra processes.
func TestMain(m *testing.M) {
	if os.Getenv("STAMPEDE_TEST_AS_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// serve --processes 3: one ready line once all three listen, new
// connections spread over the three (each answers with its own
// X-Stampede-Instance), and a signal stops them all.
func TestServeProcesses(t *testing.T) {
	redistest.Need(t, redistest.Shared)
	t.Setenv("STAMPEDE_TEST_AS_MAIN", "1") // for the extra processes, which run this binary
	e, out, errb := testEnv(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, e, []string{"serve", "--addr", "127.0.0.1:0", "--processes", "3", "--manager", "redis",
			"--redis-channel", redistest.Name("socketio-test-"), "--redis-key-prefix", redistest.Name("stampede-test-"),
			"--secret", "s", "--users", "50", "--log-level", "warn"})
	}()
	ready := regexp.MustCompile(`ready on http://(127\.0\.0\.1:\d+)/ws/socket\.io/ .*3 processes`)
	require.Eventually(t, func() bool { return ready.MatchString(out.String()) }, 30*time.Second, 20*time.Millisecond, "stderr: %s", errb)
	addr := ready.FindStringSubmatch(out.String())[1]

	instances := map[string]int{}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // a new connection each time
	for range 60 {
		resp, err := client.Get("http://" + addr + "/healthz")
		require.NoError(t, err)
		resp.Body.Close()
		instances[resp.Header.Get("X-Stampede-Instance")]++
	}
	assert.Len(t, instances, 3, "new connections reach all three processes: %v", instances)

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code)
	case <-time.After(20 * time.Second):
		t.Fatal("serve --processes did not stop")
	}
	_, err := http.Get("http://" + addr + "/healthz")
	assert.Error(t, err, "no process left listening")
}

// --processes refuses what cannot work.
func TestServeProcessesRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args    []string
		message string
	}{
		{[]string{"--processes", "0"}, "at least 1"},
		{[]string{"--processes", "2"}, "--manager redis"},
		{[]string{"--processes", "2", "--manager", "redis", "--transports", "polling,websocket"}, "--transports websocket"},
	} {
		e, _, errb := testEnv(nil)
		assert.Equal(t, exitUsage, run(context.Background(), e, append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...)), tt.args)
		assert.Contains(t, errb.String(), tt.message, tt.args)
	}
}

func TestChildArgs(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"--manager", "redis", "--secret", "s", "--addr", "127.0.0.1:9", "--reuseport", "--group-status"},
		childArgs([]string{"--processes", "3", "--manager", "redis", "--processes=2", "--secret", "s"}, "127.0.0.1:9"))
}
