// Package check is the vocabulary of the conformance suite: a Case (an ID,
// the requirement sentence from PROTOCOL.md, its level and what it needs of
// the target), the Target it runs against, and T, what a case uses to dial,
// record the packets exchanged, and fail with expected versus actual (or,
// with FailStricter, warn where PROTOCOL.md is stricter than upstream).
//
// The case packages (conformance/engineio, conformance/socketio,
// conformance/app, conformance/limits) import only this package; the runner in package
// conformance imports them all. A T belongs to one case and one goroutine,
// except Logf and the packet log, which are safe for concurrent use.
package check
