// Package loadbench holds the refserver's end-to-end benchmarks: a real
// `stampede serve` process on 127.0.0.1 and raw websocket clients in the
// benchmark process, so that the server's memory per session, handshake rate
// and room fan-out are measured over real sockets (issue 2, PERFORMANCE.md).
//
// Run them with `make bench` or
//
//	go test -run '^$' -bench . -benchtime 1x ./refserver/loadbench/
//
// Sizes can be changed with STAMPEDE_BENCH_SESSIONS (default 10000).
// STAMPEDE_BENCH_TARGET=node or raw loads Node socket.io 4.8
// (testdata/node/echo-server.js) or a plain gorilla/websocket broadcaster
// instead of `stampede serve`, with the same client (target_test.go,
// bench/vs-node.sh).
// STAMPEDE_BENCH_ADDR=host:port runs the handshake and fan-out benchmarks
// against a server already running there (e.g. with --debug-addr to profile
// it) instead of starting one. STAMPEDE_BENCH_PROFILE=dir makes
// BenchmarkSessionMemory save the server's heap profile, MemStats and
// goroutines once its sessions are idle (profile_test.go). The
// package has no code outside its tests.
package loadbench
