// Package socketio holds the conformance cases of PROTOCOL.md section 2
// (SIO-1 … SIO-8) and of the echo contract, section 10 (ECHO-1 … ECHO-7):
// the Socket.IO layer of any server that offers the echo namespace
// (Target.EchoNamespace) and the raw Engine.IO echo (Target.EnginePath).
//
// A case dials its own connections and uses its own room and namespace
// names (random suffixes), so that cases can run at once against one
// target. Cases whose outcome can depend on the transport run once per
// transport the target serves, the ID suffixed with it (SIO-5/binary-event/
// websocket, …/polling); a transport the target does not serve makes that
// variant skip.
//
// Every check reads the bytes that arrived, not what the client made of
// them: each connection keeps a Socket.IO decoder of its own (see wire), so
// that namespaces, ack ids, packet types, attachment counts and exact JSON
// can be compared with the requirement. A T, and so Fail and Skip, belongs
// to the case's goroutine; the client's read goroutines only record.
package socketio
