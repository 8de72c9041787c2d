package app_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance"
	"github.com/stampede-sio/stampede/conformance/app"
	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/refservertest"
	"github.com/stampede-sio/stampede/refserver/webui"
	"github.com/stampede-sio/stampede/reports"
)

var secret = []byte("stampede-conformance-app-test")

const sessionTimeout = 3 * time.Second

// serve starts a refserver with the test population, in profile with the
// faults, and returns its URL.
func serve(t testing.TB, profile string, faults ...string) string {
	t.Helper()
	var f refserver.Faults
	for _, v := range faults {
		require.NoError(t, f.Set(v))
	}
	_, base := refservertest.Start(t, refserver.Config{
		Secret: secret, Profile: profile, PingInterval: time.Second, PingTimeout: time.Second,
		SessionTimeout: sessionTimeout, Faults: f,
		Population: webui.Generate(webui.Sizes{Users: 300, Channels: 4, Notes: 5}),
	})
	return base
}

func target(t testing.TB, rawURL, profile string) check.Target {
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	return check.Target{URL: u, Path: "/ws/socket.io/", EchoNamespace: "/echo", EnginePath: "/engine.io/",
		Profile: profile, Secret: secret, SessionTimeout: sessionTimeout}
}

// runApp runs the app layer's cases matching pattern ("" for all).
func runApp(t testing.TB, tgt check.Target, pattern string) *reports.Check {
	t.Helper()
	opts := conformance.Options{Layers: []check.Layer{check.LayerApp}}
	if pattern != "" {
		opts.Run = regexp.MustCompile(pattern)
	}
	rec, err := conformance.Run(context.Background(), tgt, opts)
	require.NoError(t, err)
	return rec
}

// legitimateSkips are the only skips allowed against a refserver given
// --secret and --session-timeout: the case's reason must contain the text.
var legitimateSkips = map[string]string{}

// The whole layer passes against the refserver in both profiles; every
// skip is one of legitimateSkips.
func TestLayerPasses(t *testing.T) {
	t.Parallel()
	for _, profile := range []string{"documented", "open-webui"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			rec := runApp(t, target(t, serve(t, profile), profile), "")
			took := time.Since(start)
			t.Logf("%s: %d cases in %v: %+v", profile, len(rec.Cases), took.Round(time.Millisecond), rec.Summary)
			assert.Less(t, took, 50*time.Second, "the app layer must finish well under a minute")
			for _, c := range rec.Cases {
				switch c.Status {
				case reports.StatusPass:
				case reports.StatusSkip:
					want, ok := legitimateSkips[c.ID]
					assert.True(t, ok && strings.Contains(c.Reason, want), "%s skipped: %s", c.ID, c.Reason)
				default:
					t.Errorf("%s %s: expected %s, actual %s\n  %s", c.ID, c.Status, c.Expected, c.Actual, strings.Join(c.Exchange, "\n  "))
				}
				if testing.Verbose() && c.Duration > 2 {
					t.Logf("%-28s %5.1fs", c.ID, c.Duration)
				}
			}
		})
	}
}

// Every ID of sections 3–7 and the HTTP endpoints has at least one case,
// the IDs are unique, and there are at least 55.
func TestCaseList(t *testing.T) {
	t.Parallel()
	cases := app.Cases()
	assert.GreaterOrEqual(t, len(cases), 55)
	seen := map[string]bool{}
	specs := map[string]bool{}
	for _, c := range cases {
		assert.False(t, seen[c.ID], "duplicate %s", c.ID)
		seen[c.ID] = true
		specs[c.Spec()] = true
		if strings.HasPrefix(c.ID, "SCALE-") || c.Spec() == "SESS-5" {
			assert.Equal(t, check.LayerScale, c.Layer, c.ID)
		} else {
			assert.Equal(t, check.LayerApp, c.Layer, c.ID)
		}
		assert.NotEmpty(t, c.Requirement, c.ID)
		assert.NotNil(t, c.Run, c.ID)
	}
	for _, id := range []string{"AUTH-1", "AUTH-2", "AUTH-3", "AUTH-4", "AUTH-5", "AUTH-6", "AUTH-7",
		"SESS-1", "SESS-2", "SESS-3", "SESS-4", "SESS-5", "CHAN-1", "CHAN-2", "CHAN-3", "CHAN-4", "CHAN-5",
		"CHAT-1", "CHAT-2", "CHAT-3", "CHAT-4", "DOC-1", "DOC-2", "DOC-3", "DOC-4", "DOC-5", "DOC-6",
		"SCALE-1", "SCALE-2", "SCALE-3", "HTTP-config", "HTTP-version", "HTTP-usage"} {
		assert.True(t, specs[id], "no case for %s", id)
	}
}

// Without --secret the cases that need tokens skip with the reason, and
// none fails.
func TestNoSecretSkips(t *testing.T) {
	t.Parallel()
	for _, profile := range []string{"documented", "open-webui"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			tgt := target(t, serve(t, profile), profile)
			tgt.Secret = nil
			tgt.SessionTimeout = 0
			rec := runApp(t, tgt, "")
			for _, c := range rec.Cases {
				if c.Status == reports.StatusSkip {
					continue
				}
				assert.Equal(t, reports.StatusPass, c.Status, "%s: %s / %s", c.ID, c.Expected, c.Actual)
			}
			skipped := 0
			for _, c := range rec.Cases {
				if c.Status == reports.StatusSkip && strings.Contains(c.Reason, "no --secret") {
					skipped++
				}
			}
			assert.Greater(t, skipped, 40, "cases skipped for want of a secret")
		})
	}
}
