// Package engine is the refserver's Engine.IO v4 server (PROTOCOL.md
// section 1, EIO-1 … EIO-15): the handshake and its HTTP errors, the
// websocket and long-polling transports, the polling → websocket upgrade,
// server-sent pings with the pong timeout, maxPayload, CORS and the
// upgrade-header check; and the limits of PROTOCOL.md section 12 that belong
// to the transport: text must be UTF-8 (LIM-3: 1007 on websocket, 400 on
// polling), a read budget the layer above may set (LIM-1), and the outgoing
// queue bound (LIM-6: "slow consumer").
//
// Concurrency, by design: one read goroutine per websocket session and no
// write goroutine. The read loop is the session's one persistent goroutine
// (gorilla/websocket allows one concurrent reader); it hands each packet to
// a small shared pool of goroutines and waits for it to be handled
// (handleDeep), so that the handlers' deep stacks are not kept by every idle
// session; for the handlers nothing changes. Handler callbacks for one
// session never run concurrently and arrive in order.
//
// Which goroutine may write (gorilla/websocket allows one concurrent
// writer): outgoing frames go through the session's queue, and whichever
// call finds no write in flight takes the writer's role under the session's
// lock (the writing flag); the others only append to the queue. A writer
// takes the whole queue as one batch and writes it with one writev and one
// write deadline (write.go); a broadcast's frame is built once for every
// member. Reply, meant for the session's own handler (Handler.OnMessage),
// takes the role on the calling goroutine, where waiting on this client's
// socket only delays this client. Send never blocks its caller, so a
// broadcaster is never held up by a slow client: it puts the session in
// line for a small shared pool of writers (writepool.go, at most GOMAXPROCS,
// each gone after 100 ms idle), which write one batch per turn without
// waiting on the socket and send a session with more queued to the back of
// the line; a session whose socket does not take a whole batch (a slow
// reader) gets a goroutine of its own for the rest, which may wait up to
// the write timeout. So a session with nothing to send holds no write
// goroutine and no write buffer. The handshake's HTTP handler writes the
// OPEN packet the same way before the read loop starts, and the upgrade's
// goroutine writes `3probe` before its websocket carries the session, then
// drains what polling had queued. Close frames go out with WriteControl,
// which gorilla/websocket allows from any goroutine.
//
// The ping timers of every session run from one heap per server with one
// time.Timer (timers.go): a due session's onTimer runs on that timer's
// goroutine, one after another, and only queues a ping or closes.
//
// A polling session has no goroutine of its own: the HTTP handlers of its
// GET and POST requests do the work, and the one GET in flight takes the
// whole queue and writes it as its response. Requests of one session that
// reach the server on different connections are answered as if handled in
// the order the client sent them (order.go): a polling request during an
// upgrade waits for `5`, the POST `1` that closes a session waits for the
// GET sent just before it, and a GET past the ping deadline is refused
// before the timer has run.
package engine
