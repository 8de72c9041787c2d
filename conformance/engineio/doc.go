// Package engineio holds the conformance cases of PROTOCOL.md section 1
// (EIO-1 … EIO-15), one or more per condition, listed in Cases (cases.go).
// They need only the echo contract on the target: the Socket.IO path for
// handshakes, HTTP errors and the OPEN packet, and the raw Engine.IO echo
// (ECHO-1) for everything that exchanges packets. A transport the target
// does not serve makes its cases skip with that reason, never pass.
//
// The cases speak Engine.IO by hand (wire.go, poll.go, ws.go, refusal.go)
// rather than through internal/client, which hides what they check: a GET
// held while a POST goes, a second concurrent GET, the bytes after a 101,
// the close code of a websocket. Every wait is bounded by the case's
// context and derived from the session's own pingInterval and pingTimeout
// (late), or is check.Wait for what must come at once.
//
// Concurrency: a case runs on its own goroutine and opens its own
// connections, so cases may run at once. Helpers return errors rather than
// failing, so that a case may check several transports on helper
// goroutines (eachTransport); must ends the case on its own goroutine.
// Every goroutine a case starts ends when the case does.
//
// The race cases (race.go: EIO-5/race-get-at-timeout,
// EIO-8/race-post-close-with-get, EIO-9/race-get-after-upgrade,
// EIO-9/race-burst) send what socket.io's official test suites send, back
// to back with no spacing, on a fresh session each time, Target.Repeat
// times (--repeat, default 20); one broken repetition fails the case, and
// the report says how many broke and what they got.
//
// Where Node's engine.io deviates from the text, conformance/NODE.md says
// so and says what each case accepts; conformance/PYTHON.md records
// python-socketio's verdicts. A case that needs a field the OPEN packet left
// out skips, pointing at EIO-4/open-packet, which fails for it once.
package engineio
