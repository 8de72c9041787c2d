// Package sio is the refserver's Socket.IO v5 layer (PROTOCOL.md section 2,
// SIO-1 … SIO-8) over the engine package: namespaces with CONNECT and
// CONNECT_ERROR, events and acks in both directions, binary events and acks,
// and a sharded room hub for join/leave/broadcast. It applies the limits of
// PROTOCOL.md section 12 that belong to Socket.IO (Limits): attachments per
// packet and in bytes (LIM-1, capping the engine's next websocket read to
// what is left), placeholders checked on receipt (LIM-2), and the connect
// timeout (LIM-4: one timer per session until its first CONNECT succeeds).
//
// Concurrency: a connection's packets are decoded and its event handlers run
// on the Engine.IO session's read loop, one at a time, in arrival order
// (SIO-8). Handlers must not block; they may emit, join, leave and
// broadcast, which never wait on another client. Rooms live in a Hub split
// into shards, each with its own lock, so a broadcast to a large room holds
// only that room's shard, and only for reading.
//
// Which goroutine may write: this package starts no writer of its own and
// never writes to a socket directly; every packet goes through the engine
// session's queue (see package engine for who drains it). Answers to a
// connection's own packets (CONNECT replies, acks: Event.Ack, Event.AckRaw)
// use Session.Reply and must come from that connection's handler, which
// may then write inline; emits, broadcasts and disconnects, from any
// goroutine, use Session.Send, which never blocks.
package sio
