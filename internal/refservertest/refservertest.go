package refservertest

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stampede-sio/stampede/refserver"
)

// Start serves a refserver built from cfg and returns it with its base URL.
func Start(tb testing.TB, cfg refserver.Config) (*refserver.Server, string) {
	tb.Helper()
	srv, err := refserver.New(cfg)
	if err != nil {
		tb.Fatalf("refserver: %v", err)
	}
	hs := httptest.NewServer(srv)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
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
