// Package conformance runs stampede's conformance suite: every server-side
// behaviour of PROTOCOL.md as cases with IDs, against any Socket.IO server.
// Run discovers what the target serves, selects cases by layer and ID
// pattern, runs them concurrently, each bounded in time, and returns a
// reports.Check record; the reporters in package reports render it. Every
// case keeps its evidence (the end of its exchange); a failure of a part that
// PROTOCOL.md makes stricter than upstream is a warning. With Options.Log the
// run writes, for a person or a CI log, its estimated time at the target's
// timers (estimate.go), its progress (progress.go), and a note for each layer
// that does not apply to the target (diagnose.go).
//
// The cases live in one package per layer (engineio, socketio, app, and the
// opt-in limits, which attacks the target and runs only when selected) and use
// the vocabulary of package check. There is no global state: Cases returns
// the one explicit list, and a run owns everything it creates.
package conformance
