// Package engineio holds the conformance cases of PROTOCOL.md section 1
// (EIO-1 … EIO-15). They need only the echo contract on the target: the
// Socket.IO path for handshakes and transports, and the raw Engine.IO echo
// (ECHO-1) for message round trips. A transport the target does not serve
// makes its cases skip with that reason.
package engineio
