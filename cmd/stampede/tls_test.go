package main

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/reports"
)

// A refserver behind TLS with a self-signed certificate (issue 14):
// without --insecure run and check refuse it as unreachable (exit 2,
// naming the certificate); with it, https:// and wss:// targets work.
func TestInsecureTLS(t *testing.T) {
	t.Parallel()
	srv, err := refserver.New(refserver.Config{Lab: true})
	require.NoError(t, err)
	hs := httptest.NewUnstartedServer(srv)
	hs.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	hs.StartTLS()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	wss := "wss" + hs.URL[len("https"):]
	for _, target := range []string{hs.URL + "/echo", wss + "/echo"} {
		run := func(insecure bool) (int, *reports.Run, string) {
			out := filepath.Join(t.TempDir(), "run.json")
			args := []string{"echo-baseline", "--vus", "8", "--duration", "2s", "--quiet", "--out", out,
				"--target", target, "--set", "target.path=/socket.io"}
			if insecure {
				args = append(args, "--insecure")
			}
			e, _, errb := testEnv(nil)
			code := runCmd(t.Context(), e, "run", args)
			if code == exitUsage {
				return code, nil, errb.String()
			}
			return code, readRunFile(t, out), errb.String()
		}
		code, _, errs := run(false)
		assert.Equal(t, exitUsage, code, "%s without --insecure: %s", target, errs)
		assert.Contains(t, errs, "certificate", target)
		code, rec, errs := run(true)
		require.Equal(t, exitOK, code, "%s with --insecure: %s %+v %+v", target, errs, rec.Errors, rec.Thresholds)
		assert.Positive(t, rec.Counter(threshold.MetricConnections, nil), target)
		assert.Zero(t, rec.Counter(threshold.MetricErrors, nil), target)
	}

	e, out, errb := testEnv(nil)
	args := []string{"check", "--target", hs.URL, "--path", "/socket.io", "--echo-namespace", "/",
		"--layer", "socketio", "--run", "^SIO-2/connect-sid", "--insecure"}
	assert.Equal(t, exitOK, run(context.Background(), e, args), "check --insecure: %s%s", out, errb)
	e, out, errb = testEnv(nil)
	assert.Equal(t, exitUsage, run(context.Background(), e, args[:len(args)-1]), "check without --insecure: %s%s", out, errb)
}
