// Package simulator runs virtual clients that behave like open-webui's
// browser client (PROTOCOL.md section 9) against a Socket.IO server, driven
// by a scenario (package scenarios), and records what they measure
// (package simulator/metrics) into a reports.Run.
//
// The parts: Env is what a run's clients share; a virtual client (vu*.go)
// runs one flow of steps over internal/client, with CLIENT-1's startup, a
// heartbeat timer on a shared scheduler, and CLIENT-3 reconnection with
// Backoff; the executors of package simulator/schedule (phases: ramp,
// constant, arrival, spike, hold) decide when clients start and call
// Env.StartVU with an explicit schedule.Start handle (the client's dial
// slot, and whether it may park); Run puts them together for one process
// or one Segment of a run spread over several.
//
// Once a second a run reports its Progress (the live line, the JSON lines
// a worker sends its parent, summed by sumProgress); LiveMetrics serves
// the latest one as Prometheus stampede_run_* series (run --metrics-addr).
//
// Concurrency: a virtual client has its connection's read goroutine, and a
// goroutine of its own only while its flow is doing something: a client
// that waits at the top level of its flow (listen, think), between the
// iterations of a top-level rate loop, or only holds its connection
// afterwards parks (vu_park.go), handing its goroutine back, and is carried
// on by whichever of its wake-ups fires first (the run's end, the
// connection's loss, a runtime timer). No per-client timer goroutines: a
// shared scheduler serves the heartbeats, and ack waits share one expiry
// per timeout (ackDeadlines). The Recorder is safe for concurrent use.
//
// Memory: while clients hold, the run lowers its process's GC target and
// then follows the GC's share of CPU (run_memory.go).
package simulator
