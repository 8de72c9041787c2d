package limits_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance/limits"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/reports"
)

// faultFor maps every case to the refserver fault that removes the limit
// it checks. LIM-8's is accept-invalid-utf8: an attacker in the canary's
// room shouts text that is not UTF-8, the refserver relays it raw, and the
// canary, which validates UTF-8 as Node's ws client does, breaks.
func faultFor(id string) string {
	for _, f := range []struct{ re, fault string }{
		{`^LIM-1/`, "no-attachment-limit"},
		{`^LIM-2/`, "no-placeholder-check"},
		{`^LIM-3/`, "accept-invalid-utf8"},
		{`^LIM-4/`, "no-connect-timeout"},
		{`^LIM-5/`, "no-http-timeouts"},
		{`^LIM-6/`, "no-queue-limit"},
		{`^LIM-8/`, "accept-invalid-utf8"},
	} {
		if regexp.MustCompile(f.re).MatchString(id) {
			return f.fault
		}
	}
	return ""
}

// skipsWithout are the cases that cannot tell a missing limit from a long
// one (PROTOCOL.md section 12): against the fault they skip, saying why,
// and never pass.
var skipsWithout = map[string]bool{
	"LIM-4/never-connect/websocket": true,
	"LIM-4/never-connect/polling":   true,
	"LIM-5/header-stalled":          true,
	"LIM-5/header-trickle":          true,
	"LIM-5/idle-keepalive":          true,
}

// TestEveryCaseFails runs each case against the refserver (short timeouts)
// with its limit removed: it fails, saying what it expected and what it
// got, or, for a timeout it cannot tell from a long one, skips saying so.
func TestEveryCaseFails(t *testing.T) {
	t.Parallel()
	var ids []string
	for _, c := range limits.Cases() {
		if c.Spec() != "LIM-7" {
			ids = append(ids, c.ID)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			cfg := shortConfig()
			fault := faultFor(id)
			require.NotEmpty(t, fault, id)
			require.NoError(t, cfg.Faults.Set(fault))
			base := serve(t, cfg)
			if id == "LIM-5/header-too-large" { // net/http's 431 comes before any handler: a server that allows 8 MiB
				base = serveLax(t, cfg)
			}
			rec := runLimits(t, refTarget(base), "^"+regexp.QuoteMeta(id)+"$")
			require.Len(t, rec.Cases, 1)
			c := rec.Cases[0]
			if skipsWithout[id] {
				assert.Equal(t, reports.StatusSkip, c.Status, describe(c))
				assert.Contains(t, c.Reason, "longer than this case's bound", describe(c))
				return
			}
			if assert.Equal(t, reports.StatusFail, c.Status, describe(c)) {
				assert.NotEmpty(t, c.Expected, id)
				assert.NotEmpty(t, c.Actual, id)
				assert.NotContains(t, c.Actual, "panicked", describe(c))
			}
			t.Logf("%s (%s)\n  expected: %s\n  actual:   %s", id, fault, c.Expected, c.Actual)
		})
	}
}

// serveLax serves a refserver on an http.Server that accepts headers of up
// to 8 MiB: one without LIM-5's 1 MiB limit.
func serveLax(t *testing.T, cfg refserver.Config) *url.URL {
	t.Helper()
	srv, err := refserver.New(cfg)
	require.NoError(t, err)
	hs := httptest.NewUnstartedServer(srv)
	hs.Config.MaxHeaderBytes = 8 << 20
	hs.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	})
	u, err := url.Parse(hs.URL)
	require.NoError(t, err)
	return u
}
