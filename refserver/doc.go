// Package refserver is stampede's reference Socket.IO server: the behaviour
// of PROTOCOL.md served over real sockets, so that load runs and conformance
// checks have a known-good target.
//
// A Server is an http.Handler built by New(Config). It mounts an Engine.IO
// v4 server (package engine) carrying Socket.IO v5 (package sio) at
// Config.Path, the echo contract of PROTOCOL.md section 10 (the namespace
// /echo, or / and /custom in lab mode, and the raw Engine.IO echo at
// /engine.io/), GET /healthz and GET /metrics in Prometheus text format (or OpenMetrics on request), rendered
// by prometheus/client_golang from the hot paths' own atomic counters.
// The limits of PROTOCOL.md section 12 are configured here (Config,
// LimitFaults) and counted by package limit; the HTTP ones (LIM-5, LIM-7)
// live in ConfigureHTTP and WrapListener, which Serve applies and which a
// test server must apply too.
//
// /healthz answers 200 {"status":"ok"} while serving, 503
// {"status":"draining"} after Shutdown began; in Redis mode it adds
// "redis": "subscribed" (subscribed, and Redis answered a PING within 1 s),
// "unresponsive" (subscribed, but the PING got no answer: a stalled Redis)
// or "down" (no subscription). The instance serves its own sockets in
// every case (SCALE-3). In a group of processes sharing one port (serve
// --processes, SetProcesses) it adds "processes": {"up": U, "of": N}, and
// the status is "degraded", still 200, while U < N.
//
// Concurrency: see packages engine and sio. Shutdown may be called once from
// any goroutine; it closes every session and waits for them within its ctx.
package refserver
