package conformance_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"time"

	"github.com/stampede-sio/stampede/conformance"
	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/refserver"
)

// Run checks a server from Go, as `stampede check` does from the shell:
// here the Engine.IO handshake cases against an in-process refserver.
func ExampleRun() {
	srv, _ := refserver.New(refserver.Config{Transports: []string{"polling", "websocket"}})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()

	u, _ := url.Parse(hs.URL)
	rec, err := conformance.Run(context.Background(),
		check.Target{URL: u, Path: "/ws/socket.io/", EchoNamespace: "/echo", EnginePath: "/engine.io/", Profile: "documented"},
		conformance.Options{Run: regexp.MustCompile(`^EIO-(2|3)/`)})
	if err != nil {
		fmt.Println("could not run:", err)
		return
	}
	fmt.Printf("failed: %d, decisive: %d\n", rec.Summary.Failed, rec.Summary.Decisive)
	// Output: failed: 0, decisive: 0
}
