// Package scenarios owns the YAML scenario model of `stampede run`: the
// schema (Scenario and its parts), Load (YAML → Scenario, with every error's
// line and field), Validate (every problem at once, k6-style), the dotted
// --set overrides, the --vus/--duration scaling, and the built-in scenario
// files (embedded; also plain files in this folder). It implements the
// client side of PROTOCOL.md section 9 as data: what virtual clients do.
//
// It is pure: no goroutines, no network. Of stampede it imports only the
// leaf internal/threshold (the metric names and the threshold grammar). Concurrency: a loaded Scenario is immutable; share it freely.
// Set changes a scenario in place, so apply it before sharing (or to a Clone).
//
// # Pipeline
//
// A command turns a file or a built-in name into a runnable scenario in this
// order, each step reporting every problem it finds at once:
//
//	s, err := scenarios.Open(arg)                  // a file, else a built-in name: syntax and types
//	err = scenarios.Set(s, "phases.0.rate", "500") // each --set
//	s = scenarios.Scale(s, vus, duration)          // --vus, --duration
//	err = s.Validate()                             // meaning, thresholds included
//	s = s.WithDefaults()                           // what the simulator runs
//
// # What a client does
//
// Phases decide when clients start: closed-model ramp and constant phases
// set a population, open-model arrival and spike phases start new clients,
// hold starts no one. Each client picks a flow by weight and runs its steps
// once. A flow's steps run after an implicit connect (the CLIENT-1 startup:
// GET /api/config, connect with auth, GET /api/version, heartbeat timer,
// user-join, each per Client) unless the flow's first step is connect; a
// later connect is allowed only after a disconnect. When the steps end with
// the client connected, it stays connected (answering pings, sending
// heartbeats, reconnecting per CLIENT-3) until the run ends; a listen
// without for, a vanish without for and a loop with only a rate last until
// the run ends.
//
// # Templates
//
// auth.user and every string in emit args, emit_with_ack expect, wait_for
// match and control params are text/template templates over TemplateData
// with the functions of Funcs (add, sub, mul, mod, printf, rand_int,
// rand_id, bytes, now_ms). Validate parses them; the simulator executes them
// per client. Vars are literal strings.
//
// # Scaling
//
// --vus N makes Peak() (the estimated largest concurrent population) N by
// scaling populations and arrival rates; --duration D makes Length() (the
// sum of the phases' durations) D by scaling every phase in proportion, and
// the flows' timeline durations (think.until, loop.duration, listen.for,
// vanish.for) with them. See Scale.
//
// # Thresholds and send times
//
// Validate parses every threshold with the grammar and the metric names of
// package internal/threshold (threshold.Metrics: handshake, sio_connect,
// user_join, ack, push, reconnect, recovery, messages_received, errors,
// error_rate, …), the same parser that evaluates them after a run.
//
// push, the delivery latency of an event the server sends, needs the send
// time in the event: by convention a field sent_ms (Unix milliseconds, a
// number or a numeric string such as "{{now_ms}}") anywhere in the first
// argument. Put it in what you send where the server relays it as it is (a
// typing event's data, an echoed message), as room-fanout and echo-baseline
// do.
package scenarios
