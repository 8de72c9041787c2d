// Package engine is the refserver's Engine.IO v4 server (PROTOCOL.md
// section 1, EIO-1 … EIO-15): the handshake and its HTTP errors, the
// websocket and long-polling transports, the polling → websocket upgrade,
// server-sent pings with the pong timeout, maxPayload, CORS and the
// upgrade-header check; and the limits of PROTOCOL.md section 12 that belong
// to the transport: text must be UTF-8 (LIM-3: 1007 on websocket, 400 on
// polling), a read budget the layer above may set (LIM-1), and the outgoing
// queue bound (LIM-6: "slow consumer").
//
// Concurrency: each websocket session has exactly one persistent goroutine,
// its read loop (gorilla/websocket allows one concurrent reader). The read
// loop hands each packet to a small shared pool of goroutines and waits for
// it to be handled (handleDeep), so that the handlers' deep stacks are not
// kept by every idle session; for the handlers nothing changes. Writes go
// through a per-session queue; Send never blocks the caller: it starts a
// short-lived drain goroutine when no write is in flight, so a broadcaster is
// never held up by a slow client. Reply writes on the calling goroutine and
// is meant for the session's own read loop (Handler.OnMessage), where waiting
// on this client's socket only delays this client. A polling session has no
// goroutine of its own: the HTTP handlers of its GET and POST requests do the
// work. Handler callbacks for one session never run concurrently and arrive
// in order. Requests of one session that reach the server on different
// connections are answered as if handled in the order the client sent
// them (order.go): a polling request during an upgrade waits for `5`, the
// POST `1` that closes a session waits for the GET sent just before it,
// and a GET past the ping deadline is refused before the timer has run.
package engine
