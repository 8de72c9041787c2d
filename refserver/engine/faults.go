package engine

// Faults are the Engine.IO layer's deliberate misbehaviours, each breaking
// the conformance case or limit it names, so that the suite can show the
// case failing (conformance/engineio, conformance/limits). All are off by
// default; the refserver's --fault names for them are in refserver/faults.go.
type Faults struct {
	// NoPing (breaks EIO-5): the server never pings, so a client's
	// ping-timeout detection fires.
	NoPing bool
	// LazyPongTimer (breaks EIO-6): on polling, the pong timeout runs only
	// once a GET has taken the ping, not from when the ping is queued.
	LazyPongTimer bool
	// EagerPoll (breaks EIO-8): a GET with nothing to send is answered at
	// once with a noop instead of being held.
	EagerPoll bool
	// EnforcePayload (breaks EIO-10), when positive, is the limit actually
	// applied to websocket messages and POST bodies, while the OPEN packet
	// still announces MaxPayload.
	EnforcePayload int
	// BinaryAsText (breaks EIO-11): binary messages go out as text message
	// packets carrying base64 ("4<base64>") on both transports.
	BinaryAsText bool
	// AllowSecondWebsocket (breaks EIO-15): a second websocket for a session
	// that has upgraded is accepted and left open, unused, instead of closed.
	AllowSecondWebsocket bool

	// The race faults put back the orderings that socket.io's official test
	// suites caught (EIO-5, EIO-8, EIO-9: requests of one session answered
	// as if handled in the order the client sent them).
	//
	// RacyUpgrade (breaks EIO-9): `2probe` queues a noop even with no GET
	// pending, and a polling request that reaches the session after the
	// probe is handled at once, not held for the upgrade: a GET sent after
	// `5` that lands before the server has read it gets 200 "6".
	RacyUpgrade bool
	// RacyPostClose (breaks EIO-8): a POST `1` with no GET pending ends the
	// session at once, so a GET the client sent just before it that lands
	// just after gets 400 or `1` instead of `6`.
	RacyPostClose bool
	// RacyPingTimeout (breaks EIO-5): the ping timeout is left to a timer
	// that runs late, as on a loaded server, and nothing else looks at the
	// deadline: a GET at pingInterval + pingTimeout takes the ping.
	RacyPingTimeout bool

	// The transport's limits of PROTOCOL.md section 12, removed.
	//
	// AcceptInvalidUTF8 (removes LIM-3): text that is not UTF-8 is accepted.
	AcceptInvalidUTF8 bool
	// NoQueueLimit (removes LIM-6): the outgoing queue is unbounded.
	NoQueueLimit bool
}
