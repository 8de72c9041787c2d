package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/test/redistest"
)

// serve --processes 3 supervises its children: one killed with SIGKILL is
// reaped (no zombie), logged and restarted, and /healthz, on whichever
// process answers, reports the group: up 2 of 3 while it is away, 3 of 3
// once it is back.
func TestServeProcessesRestartsAKilledChild(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the children from /proc")
	}
	redistest.Need(t, redistest.Shared)
	t.Setenv("STAMPEDE_TEST_AS_MAIN", "1")
	e, out, errb := testEnv(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, e, []string{"serve", "--addr", "127.0.0.1:0", "--processes", "3", "--manager", "redis",
			"--redis-channel", redistest.Name("socketio-test-"), "--redis-key-prefix", redistest.Name("stampede-test-"),
			"--secret", "s", "--users", "50", "--log-level", "warn"})
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve --processes did not stop")
		}
	}()
	ready := regexp.MustCompile(`ready on http://(127\.0\.0\.1:\d+)/ws/socket\.io/ .*3 processes`)
	require.Eventually(t, func() bool { return ready.MatchString(out.String()) }, 30*time.Second, 20*time.Millisecond, "stderr: %s", errb)
	url := "http://" + ready.FindStringSubmatch(out.String())[1] + "/healthz"

	everyProcessSays := func(up int) bool {
		for range 20 { // new connections: several processes answer
			if h, ok := groupHealth(url); !ok || h.Processes.Up != up || h.Processes.Of != 3 {
				return false
			}
		}
		return true
	}
	require.Eventually(t, func() bool { return everyProcessSays(3) }, 10*time.Second, 50*time.Millisecond, "up 3 of 3")
	kids := childPIDs(t)
	require.Len(t, kids, 2)

	require.NoError(t, syscall.Kill(kids[0], syscall.SIGKILL))
	require.Eventually(t, func() bool {
		h, ok := groupHealth(url)
		return ok && h.Processes.Up == 2 && h.Status == "degraded"
	}, 10*time.Second, 10*time.Millisecond, "up 2 of 3, degraded, while the child is away")
	require.Eventually(t, func() bool { return strings.Contains(errb.String(), "a process exited; restarting it") }, 5*time.Second, 20*time.Millisecond)
	assert.Contains(t, errb.String(), "signal: killed")
	assert.Contains(t, errb.String(), "pid="+strconv.Itoa(kids[0]))

	require.Eventually(t, func() bool { return everyProcessSays(3) }, 20*time.Second, 100*time.Millisecond, "up 3 of 3 after the restart")
	now := childPIDs(t)
	assert.Len(t, now, 2)
	assert.NotContains(t, now, kids[0], "the killed child is reaped, not left a zombie")
	assert.Contains(t, now, kids[1])
}

type groupStatus struct {
	Status    string `json:"status"`
	Processes struct {
		Up int `json:"up"`
		Of int `json:"of"`
	} `json:"processes"`
}

// groupHealth is one /healthz answer, on a new connection; false when the
// connection failed (one queued on the listener of a process just killed
// is reset) or the answer is not a 200 with JSON.
func groupHealth(url string) (groupStatus, bool) {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return groupStatus{}, false
	}
	defer resp.Body.Close()
	var h groupStatus
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&h) != nil {
		return groupStatus{}, false
	}
	return h, true
}

// childPIDs are this test process's children that serve in a group,
// zombies included (a zombie's cmdline is empty, so it is matched by its
// parent and name alone).
func childPIDs(t *testing.T) []int {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	require.NoError(t, err)
	self := os.Getpid()
	exe := filepath.Base(os.Args[0])
	var out []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid …
		s := string(b)
		rp := strings.LastIndexByte(s, ')')
		lp := strings.IndexByte(s, '(')
		if rp < 0 || lp < 0 {
			continue
		}
		fields := strings.Fields(s[rp+1:])
		if len(fields) < 2 || fields[1] != strconv.Itoa(self) || !strings.HasPrefix(exe, s[lp+1:rp]) {
			continue
		}
		pid, _ := strconv.Atoi(strings.Fields(s)[0])
		out = append(out, pid)
	}
	return out
}
