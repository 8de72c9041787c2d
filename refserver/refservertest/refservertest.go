package refservertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stampede-sio/stampede/refserver"
)

// Option changes how Start serves.
type Option func(*options)

type options struct {
	drain time.Duration
	wrap  func(http.Handler) http.Handler
}

// Drain sets how long the shutdown at cleanup waits for sessions to close
// before dropping them (default 5s). Suites whose cases leave sessions open
// use a short one.
func Drain(d time.Duration) Option { return func(o *options) { o.drain = d } }

// Wrap serves the refserver through a middleware (a mangler, an observer).
func Wrap(mw func(http.Handler) http.Handler) Option { return func(o *options) { o.wrap = mw } }

// Start serves a refserver built from cfg and returns it with its base URL.
func Start(tb testing.TB, cfg refserver.Config, opts ...Option) (*refserver.Server, string) {
	tb.Helper()
	o := options{drain: 5 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	srv, err := refserver.New(cfg)
	if err != nil {
		tb.Fatalf("refserver: %v", err)
	}
	var h http.Handler = srv
	if o.wrap != nil {
		h = o.wrap(srv)
	}
	// The refserver's own HTTP limits (LIM-5, LIM-7), as Serve applies them.
	hs := httptest.NewUnstartedServer(h)
	srv.ConfigureHTTP(hs.Config)
	hs.Listener = srv.WrapListener(hs.Listener)
	hs.Start()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), o.drain)
		defer cancel()
		_ = srv.Shutdown(ctx) // sessions still open after the drain are dropped
		hs.Close()
	})
	return srv, hs.URL
}

// Subscribed waits until a refserver in Redis mode is subscribed to its
// channel (its /healthz says so), so that nothing published is missed.
func Subscribed(tb testing.TB, srv *refserver.Server) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		if strings.Contains(rec.Body.String(), `"redis":"subscribed"`) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("refserver not subscribed to Redis after 5s: /healthz %s", rec.Body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
