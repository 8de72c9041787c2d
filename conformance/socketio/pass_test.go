package socketio_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance"
	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/conformance/socketio"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/reports"
)

// runLayer runs the Socket.IO layer (or the cases run selects) against target.
func runLayer(t *testing.T, target check.Target, opts conformance.Options) *reports.Check {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts.Layers = []check.Layer{check.LayerSocketIO}
	rec, err := conformance.Run(ctx, target, opts)
	require.NoError(t, err)
	return rec
}

// TestPasses: the layer passes, nothing skipped, against the refserver in
// both modes and against the real Node socket.io 4.8.4 echo server.
//
// It runs the targets one after the other, four cases at a time, before the
// parallel tests start: the echo servers ping every 300 ms and give up
// after 200 ms more, which a machine busy with the race detector and the
// failure table can miss.
func TestPasses(t *testing.T) {
	// The lab with 1 s pings: this layer checks nothing about heartbeats,
	// and at the lab's 300 ms / 200 ms a loaded CI machine once starved
	// SIO-8/order's 200 round trips past the client's ping deadline.
	lab := func(t *testing.T) *url.URL {
		return serve(t, refserver.Config{Lab: true, PingInterval: time.Second, PingTimeout: time.Second})
	}
	app := func(t *testing.T) *url.URL {
		return serve(t, refserver.Config{Transports: []string{"polling", "websocket"},
			PingInterval: 300 * time.Millisecond, PingTimeout: 300 * time.Millisecond})
	}
	for _, tc := range []struct {
		name   string
		server func(*testing.T) *url.URL
		target check.Target
		skips  []string // cases that must skip, saying why
	}{
		// Outside the lab the refserver's only echo namespace is /echo, and
		// / needs a token: the case that disconnects one of two skips.
		{"refserver", app, check.Target{Path: "/ws/socket.io/", EchoNamespace: "/echo", EnginePath: "/engine.io/", Profile: "documented"},
			[]string{"SIO-7/disconnect-one-namespace"}},
		{"refserver-lab-root", lab, check.Target{Path: "/socket.io/", EchoNamespace: "/", EnginePath: "/engine.io/", Profile: "documented"}, nil},
		{"refserver-lab-custom-strict", lab, check.Target{Path: "/socket.io/", EchoNamespace: "/custom", EnginePath: "/engine.io/", Profile: "documented", Strict: true}, nil},
		{"node-custom-strict", nodeEcho, check.Target{Path: "/socket.io/", EchoNamespace: "/custom", EnginePath: "/engine.io/", Profile: "documented", Strict: true}, nil},
		{"node-root", nodeEcho, check.Target{Path: "/socket.io/", EchoNamespace: "/", EnginePath: "/engine.io/", Profile: "documented"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := tc.target
			target.URL = tc.server(t)
			rec := runLayer(t, target, conformance.Options{Parallel: 4})
			require.Len(t, rec.Cases, len(socketio.Cases()))
			for _, c := range rec.Cases {
				want := reports.StatusPass
				if slices.Contains(tc.skips, c.ID) {
					want = reports.StatusSkip
				}
				assert.Equal(t, want, c.Status, "%s: %s\nexpected: %s\nactual:   %s\n%s",
					c.ID, c.Reason, c.Expected, c.Actual, strings.Join(c.Exchange, "\n"))
			}
			t.Logf("%d cases in %.1fs, slowest %s", len(rec.Cases), rec.Duration, slowest(rec))
		})
	}
}

func slowest(rec *reports.Check) string {
	var s reports.CheckCase
	for _, c := range rec.Cases {
		if c.Duration > s.Duration {
			s = c
		}
	}
	return s.ID + " " + time.Duration(s.Duration*float64(time.Second)).Round(time.Millisecond).String()
}

// TestCasesWellFormed: IDs are unique and follow SIO-n/condition or
// ECHO-n/condition, every case names its requirement and belongs to the
// socketio layer, and there are at least 40.
func TestCasesWellFormed(t *testing.T) {
	t.Parallel()
	cases := socketio.Cases()
	assert.GreaterOrEqual(t, len(cases), 40)
	seen := make(map[string]bool)
	for _, c := range cases {
		assert.False(t, seen[c.ID], "duplicate ID %s", c.ID)
		seen[c.ID] = true
		assert.Regexp(t, `^(SIO-[1-8]|ECHO-[1-7])/[a-z-]+(/websocket|/polling)?$`, c.ID)
		assert.NotEmpty(t, c.Requirement, c.ID)
		assert.Equal(t, check.LayerSocketIO, c.Layer, c.ID)
		assert.NotNil(t, c.Run, c.ID)
	}
	// No other layer uses these IDs.
	for _, c := range conformance.Cases() {
		if seen[c.ID] && c.Layer != check.LayerSocketIO {
			t.Errorf("%s is also a case of layer %s", c.ID, c.Layer)
		}
	}
}
