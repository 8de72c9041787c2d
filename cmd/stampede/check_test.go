package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/refservertest"
)

// Bad flags and a dead target exit 2 with a one-line reason (CLI.md).
func TestCheckCannotRunExit2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		message string
	}{
		{nil, "--target URL is required"},
		{[]string{"--target", "ftp://x"}, "--target"},
		{[]string{"--target", "http://127.0.0.1:1", "--profile", "upstream"}, "--profile"},
		{[]string{"--target", "http://127.0.0.1:1", "--run", "("}, "--run"},
		{[]string{"--target", "http://127.0.0.1:1", "--layer", "http"}, "--layer"},
		{[]string{"--target", "http://127.0.0.1:1", "--redis", "http://x"}, "--redis"},
		{[]string{"--target", "http://127.0.0.1:1", "--redis-lock-timeout", "0s"}, "--redis-lock-timeout"},
		{[]string{"--target", "http://127.0.0.1:1", "--repeat", "0"}, "--repeat"},
		{[]string{"--target", "http://127.0.0.1:1", "--run", "^NOPE-"}, "no case"},
		{[]string{"--target", "http://127.0.0.1:1", "--run", "^EIO-4"}, "127.0.0.1:1"},
	}
	for _, tt := range tests {
		e, _, errb := testEnv(nil)
		code := run(context.Background(), e, append([]string{"check"}, tt.args...))
		assert.Equal(t, exitUsage, code, "args %v: %s", tt.args, errb)
		assert.Contains(t, errb.String(), tt.message, "args %v", tt.args)
	}
}

// --list prints the selected cases; --peer adds the scale layer.
func TestCheckList(t *testing.T) {
	t.Parallel()
	e, _, errb := testEnv(nil)
	require.Equal(t, exitUsage, run(context.Background(), e, []string{"check", "--list", "--run", "^SCALE-1/user-room$"}),
		"without --peer the scale layer is not selected: no case")
	assert.Contains(t, errb.String(), "no case")
	e, out, _ := testEnv(nil)
	require.Equal(t, exitOK, run(context.Background(), e, []string{"check", "--list", "--peer", "http://127.0.0.1:2", "--run", "^SCALE-1/user-room$"}))
	assert.Contains(t, out.String(), "SCALE-1/user-room")
}

// A passing selection exits 0 and a failing one 1, with the JSON record
// written either way.
func TestCheckExitCodes(t *testing.T) {
	t.Parallel()
	_, good := refservertest.Start(t, refserver.Config{PingInterval: 300 * time.Millisecond, PingTimeout: 300 * time.Millisecond})
	var f refserver.Faults
	require.NoError(t, f.Set("no-ping"))
	_, bad := refservertest.Start(t, refserver.Config{PingInterval: 300 * time.Millisecond, PingTimeout: 300 * time.Millisecond, Faults: f})
	for _, tt := range []struct {
		url  string
		code int
		want string
	}{{good, exitOK, "pass"}, {bad, exitFailed, "fail"}} {
		out := filepath.Join(t.TempDir(), "check.json")
		e, _, errb := testEnv(nil)
		code := run(context.Background(), e, []string{"check", "--target", tt.url, "--run", "^EIO-5/websocket$", "--json", out, "--quiet"})
		assert.Equal(t, tt.code, code, errb.String())
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		var rec struct {
			Cases []struct{ ID, Status string }
		}
		require.NoError(t, json.Unmarshal(b, &rec))
		require.Len(t, rec.Cases, 1)
		assert.Equal(t, tt.want, rec.Cases[0].Status)
	}
}

// help check names --allow-mutations and every case that changes shared
// state; the flag reaches the target.
func TestCheckAllowMutations(t *testing.T) {
	t.Parallel()
	e, out, _ := testEnv(nil)
	require.Equal(t, exitOK, run(context.Background(), e, []string{"help", "check"}))
	for _, want := range []string{"--allow-mutations", "AUTH-6/delete-user", "deletes user chk004", "CHAN-4/deleted", "DOC-3/*"} {
		assert.Contains(t, out.String(), want)
	}
	for _, allow := range []bool{false, true} {
		target, _, err := checkSetup(e, checkFlags{target: "http://127.0.0.1:1", profile: "documented", layers: "app", lockTimeout: time.Second,
			parallel: 1, repeat: 7, allowMutations: allow}, 0)
		require.NoError(t, err)
		assert.Equal(t, allow, target.AllowMutations)
		assert.Equal(t, 7, target.Repeat, "--repeat reaches the race cases")
	}
}

// --layer limits selects the LIM cases, which no default selection holds,
// and runs them: a placeholder out of range passes against the refserver
// and fails against one with the no-placeholder-check fault (LIM-2).
func TestCheckLayerLimits(t *testing.T) {
	t.Parallel()
	e, out, _ := testEnv(nil)
	require.Equal(t, exitOK, run(context.Background(), e, []string{"check", "--list", "--layer", "limits"}))
	for _, id := range []string{"LIM-1/count/websocket", "LIM-3/polling-400", "LIM-4/never-connect/polling", "LIM-5/header-too-large", "LIM-6/slow-consumer", "LIM-7/descriptors", "LIM-8/canary"} {
		assert.Contains(t, out.String(), id)
	}
	e, out, _ = testEnv(nil)
	require.Equal(t, exitOK, run(context.Background(), e, []string{"check", "--list"}))
	assert.NotContains(t, out.String(), "LIM-", "limits is never a default layer")

	cfg := refserver.Config{PingInterval: 300 * time.Millisecond, PingTimeout: 300 * time.Millisecond}
	_, good := refservertest.Start(t, cfg)
	require.NoError(t, cfg.Faults.Set("no-placeholder-check"))
	_, bad := refservertest.Start(t, cfg)
	for _, tt := range []struct {
		url  string
		code int
		want string
	}{{good, exitOK, "pass"}, {bad, exitFailed, "fail"}} {
		e, out, errb := testEnv(nil)
		code := run(context.Background(), e, []string{"check", "--target", tt.url, "--layer", "limits", "--run", "^LIM-2/out-of-range/websocket$"})
		assert.Equal(t, tt.code, code, "%s%s", out, errb)
		assert.Contains(t, out.String(), "LIM-2/out-of-range/websocket", tt.url)
	}
}

// --other-namespace reaches the target; without it SIO-7's second
// namespace is / (or /custom beside /).
func TestCheckOtherNamespace(t *testing.T) {
	t.Parallel()
	e, _, _ := testEnv(nil)
	for _, tt := range []struct{ echo, other, want string }{{"/echo", "", "/"}, {"/", "", "/custom"}, {"/echo", "/chat", "/chat"}} {
		target, _, err := checkSetup(e, checkFlags{target: "http://127.0.0.1:1", profile: "documented", layers: "socketio",
			lockTimeout: time.Second, parallel: 1, repeat: 1, echoNsp: tt.echo, otherNsp: tt.other}, 0)
		require.NoError(t, err)
		assert.Equal(t, tt.want, target.Other(), "%+v", tt)
	}
}
