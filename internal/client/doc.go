// Package client is stampede's one Socket.IO v5 / Engine.IO v4 client, shared
// by the simulator (thousands of virtual clients per process, so every byte per
// connection counts) and the conformance suite (which needs to see and send
// exactly what goes over the wire).
//
// It owns two layers over websocket (gorilla/websocket dials; frames are
// read and written here) and net/http long-polling:
//
//   - Engine.IO: Dial opens a Conn over websocket, polling, or polling then an
//     upgrade to websocket (EIO-1, EIO-4, EIO-8, EIO-9, EIO-11). The Conn answers
//     server pings (EIO-5, EIO-6; Options.DisableAutoPong turns this off) and
//     declares the connection dead when no ping arrives within pingInterval +
//     pingTimeout (CLIENT-3). SendPacket, SendRawText and SendRawBinary write
//     Engine.IO packets and deliberately malformed frames; Options.OnRaw sees
//     every packet exchanged; Options.OnMessage turns the Conn into a bare
//     Engine.IO client (ECHO-1).
//   - Socket.IO: Conn.Connect joins a namespace (SIO-2, SIO-3) and returns a
//     Socket, with events, acks in both directions (SIO-4, CHAT-2), binary
//     attachments (SIO-5), DISCONNECT (SIO-7) and EmitRaw for conformance.
//
// There is no reconnection here: the caller that wants CLIENT-3 backoff waits
// on Conn.Done or Socket.Disconnected, sleeps, and calls Dial and Connect again
// with the same auth. Reason tells it whether to (CLIENT-4).
//
// # Concurrency
//
// Every Conn has exactly one reading goroutine: the websocket read loop, or the
// long-polling GET loop (which hands over to a websocket read loop after an
// upgrade). There is no write goroutine and no timer goroutine: writes run on
// the caller's goroutine, serialised by a mutex (one writer per websocket;
// Node refuses overlapping POSTs), and ping timeouts use the websocket read
// deadline or the GET request's deadline. On websocket the Conn frames and
// masks its messages itself and writes each in one write to the TCP
// connection, and reads frames itself too (wsConn): gorilla only does the
// handshake. On a plain TCP socket the read goroutine waits with no read
// buffer (syscall.RawConn) and takes a pooled one when bytes arrive. With
// Options.ParkIdle (the simulator's many clients; Linux) an idle websocket
// has no goroutine at all: between messages, with nothing unparsed, its
// read goroutine puts the socket in one epoll set shared by the process
// (one-shot) and ends; the process's one epoll goroutine starts a new
// read goroutine when the socket has bytes or hangs up, a timer does at
// the ping deadline, and Close does. Exactly one read goroutine still
// exists at a time while a Conn is not parked. All
// exported methods are safe for concurrent use. Socket.AfterDisconnect runs its callback in a
// goroutine of its own once the Socket ends, so that a caller that only
// waits for the end (the simulator's idle virtual clients) holds no
// goroutine meanwhile.
//
// Event handlers, ack deliveries and Options.OnRaw/OnMessage run one at a
// time in arrival order (SIO-8), on behalf of the read goroutine, which
// waits for each: on websocket they run on a small shared pool of goroutines,
// so that the read goroutine, which an idle connection parks, never grows
// its stack past the 2 KiB it may start with (decoding JSON and writing a
// pong go deeper; the runtime never shrinks a stack below a quarter in use).
// A parking Conn (Options.ParkIdle) runs them on its read goroutine
// itself: that goroutine ends between messages, so its stack is not kept.
// A plain ACK that an EmitWithAck waits for is the exception: the read
// goroutine reads its header and hands it straight to the waiter, still in
// the pooled buffer it was read into; the waiter checks and splits its
// arguments and copies out what the Payload keeps.
// A handler must not block: it may Emit, Ack and Disconnect, but it must not
// wait for an ack (EmitWithAck) or call Conn.Close, which waits for the read
// goroutine to exit; start a goroutine for those. Close returns only after
// the Conn's read goroutine has exited.
//
// Malformed input from the server never panics: the Conn closes and Err wraps
// engineio.ErrMalformed or socketio.ErrMalformed.
//
// See PROTOCOL.md sections 1, 2, 9 and 10.
package client
