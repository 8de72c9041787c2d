package conformance

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/test/nodepeer"
	"github.com/stampede-sio/stampede/reports"
)

// Against the plain Socket.IO echo server of Node, the app layer fails as a
// whole: one note says the target does not look like open-webui and which
// --layer to pass. With a namespace it does not serve as echo namespace, the
// socketio layer fails as a whole too, and its note names --echo-namespace.
func TestWrongServerNode(t *testing.T) {
	peer, err := nodepeer.Start("echo-server.js")
	require.NoError(t, err)
	t.Cleanup(peer.Stop)
	u, err := url.Parse(peer.URL)
	require.NoError(t, err)
	run := func(echo string) *reports.Check {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		tg := check.Target{URL: u, Path: "/socket.io/", EchoNamespace: echo, EnginePath: "/engine.io/",
			Profile: "documented", Secret: []byte("node-has-no-secret")}
		rec, err := Run(ctx, tg, Options{Run: regexp.MustCompile(`^(EIO-4|SIO-2|ECHO-3|AUTH-1)/`), Parallel: 4})
		require.NoError(t, err)
		return rec
	}

	rec := run("/custom")
	require.Len(t, rec.Notes, 1, "%q", rec.Notes)
	assert.Regexp(t, `^the target does not look like open-webui \(app: (\d+) of (\d+) failed, most often expecting ".+"\); `+
		`to check only what applies, pass --layer engineio,socketio$`, rec.Notes[0])

	rec = run("/echo")
	require.Len(t, rec.Notes, 2, "%q", rec.Notes)
	assert.Contains(t, rec.Notes[0], "the target does not look like a Socket.IO server with the echo namespace /echo")
	assert.Contains(t, rec.Notes[0], "pass --echo-namespace with the namespace it echoes on, or to check only what applies, pass --layer engineio")
	assert.Contains(t, rec.Notes[1], "the target does not look like open-webui")
}

func results(layer string, statuses ...string) []reports.CheckCase {
	var out []reports.CheckCase
	for i, s := range statuses {
		out = append(out, reports.CheckCase{ID: fmt.Sprintf("X-%d", i), Layer: layer, Status: s, Expected: "an ack"})
	}
	return out
}

// The rule: at least minRan cases ran (skips do not count) and at least
// notApplyPercent of them failed or warned.
func TestDiagnoseRule(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("http://127.0.0.1:1")
	tg := &check.Target{URL: u}
	cases := []check.Case{{ID: "EIO-1/a", Layer: check.LayerEngineIO}, {ID: "AUTH-1/a", Layer: check.LayerApp}}
	const p, f, s, w = reports.StatusPass, reports.StatusFail, reports.StatusSkip, reports.StatusWarn
	tests := []struct {
		name     string
		statuses []string
		note     bool
	}{
		{"every case failed", []string{f, f, f, f, f}, true},
		{"nine of ten failed", []string{f, f, f, f, f, f, f, f, f, p}, true},
		{"warnings count as failures", []string{f, f, w, f, f}, true},
		{"eight of ten failed: a buggy server, not another kind", []string{f, f, f, f, f, f, f, f, p, p}, false},
		{"too few ran to say", []string{f, f, f, f, s, s, s}, false},
		{"all passed", []string{p, p, p, p, p}, false},
	}
	for _, tt := range tests {
		notes := diagnose(tg, cases, append(results("engineio", p, p, p, p, p), results("app", tt.statuses...)...))
		if !tt.note {
			assert.Empty(t, notes, tt.name)
			continue
		}
		if assert.Len(t, notes, 1, tt.name) {
			assert.Contains(t, notes[0], `does not look like open-webui (app: `, tt.name)
			assert.Contains(t, notes[0], `most often expecting "an ack"); to check only what applies, pass --layer engineio`, tt.name)
		}
	}
}
