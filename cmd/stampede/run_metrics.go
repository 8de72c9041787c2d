package main

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/stampede-sio/stampede/simulator"
)

// serveRunMetrics serves the run's live metrics at http://addr/metrics (run
// --metrics-addr) until stop is called. progress feeds them: the run calls
// it once a second with its Progress, summed over workers in a split run.
func serveRunMetrics(addr string) (progress simulator.ProgressFunc, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	live := simulator.NewLiveMetrics()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", live.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // ErrServerClosed after stop; any other failure ends the scrapes, not the run
	}()
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx) // a scrape still running after a second is cut off
		<-done
	}
	return live.Observe, stop, nil
}
