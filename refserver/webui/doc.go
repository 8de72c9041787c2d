// Package webui is the refserver's open-webui application layer
// (PROTOCOL.md sections 3–7 and 11): JWT authentication at connect and in
// user-join (AUTH), the session pool with heartbeats and its reaper (SESS),
// user, channel and note rooms (CHAN), chat events and usage (CHAT), the Yjs
// document relay (DOC), the HTTP endpoints a client needs, and a control API
// that does what open-webui does from HTTP routes and background work.
//
// It plugs into package sio as the namespace "/" and into an http.ServeMux.
// Event handlers run on each socket's read loop (see sio); they take the
// identity of a socket from the session pool, never from the payload
// (AUTH-7). It writes to sockets only through package sio (acks from the
// handlers, emits from anywhere; neither waits on another client), so it
// neither starts a writer nor waits for one. Population, pools and stores
// are safe for concurrent use. Two profiles, documented and open-webui,
// select the behaviours where the seeds and upstream differ.
package webui
