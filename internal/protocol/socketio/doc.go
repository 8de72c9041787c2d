// Package socketio encodes and decodes Socket.IO v5 packets (PROTOCOL.md
// section 2, SIO-1 … SIO-6): namespaces, ack ids, CONNECT_ERROR and binary
// attachments with placeholders.
//
// It is a pure codec: no goroutines, no I/O. Decode and Decoder validate the
// packet the way Node's socket.io-parser does, so a malformed packet (SIO-6)
// is an error wrapping ErrMalformed and never a panic. A Decoder holds the
// state of one connection (a binary packet waiting for its attachments) and
// must not be shared between goroutines. Decoded packets alias the input
// slice, as in engineio: copy Data if the input buffer is reused. A
// Decoder's Limits (PROTOCOL.md LIM-1, LIM-2) bound the attachments a
// connection can make it hold and check placeholders on receipt.
package socketio
