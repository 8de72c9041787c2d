// Package conformance runs stampede's conformance suite: every server-side
// behaviour of PROTOCOL.md as cases with IDs, against any Socket.IO server.
// Run discovers what the target serves, selects cases by layer and ID
// pattern, runs them concurrently, each bounded in time, and returns a
// reports.Check record; the reporters in package reports render it.
//
// The cases live in one package per layer (engineio, socketio, app, and the
// opt-in limits, which attacks the target and runs only when selected) and use
// the vocabulary of package check. There is no global state: Cases returns
// the one explicit list, and a run owns everything it creates.
package conformance
