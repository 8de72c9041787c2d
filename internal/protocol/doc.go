// Package protocol is the parent of the pure wire codecs stampede speaks:
// engineio (Engine.IO v4 packets and polling payloads) and socketio
// (Socket.IO v5 packets and binary attachments). Neither starts goroutines
// or touches sockets; both are fuzzed. See PROTOCOL.md sections 1 and 2.
package protocol
