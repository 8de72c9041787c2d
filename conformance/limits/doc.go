// Package limits holds the conformance cases of PROTOCOL.md section 12
// (LIM-1 … LIM-8): what any Socket.IO server does with clients that are
// broken or hostile. The cases use the echo contract (section 10, the
// namespace Target.EchoNamespace) and speak Engine.IO and Socket.IO by hand
// over websocket and polling (see conn), or raw HTTP over TCP (LIM-5).
//
// Every case is bounded: at most 64 MiB sent, 2,000 connections and 60 s.
// A case decides from what the target does (closes the connection, answers
// a status or a close code, keeps answering a canary client), never from
// timing alone. A timeout of the target's that does not show within the
// case's bound makes the case skip, saying so: run the refserver with
// `serve --connect-timeout 2s --read-header-timeout 2s --idle-timeout 2s`
// to check them all. LIM-7 (running out of file descriptors) always skips:
// it cannot be provoked from outside within the bounds.
//
// The layer is opt-in (`check --layer limits`): its cases attack the
// target. Each case runs on its own goroutine; a conn's read goroutine (the
// websocket reader or the polling GET loop) only records and answers
// pings, and LIM-8's attackers never end the case: only the case goroutine
// calls Fail and Skip.
package limits
