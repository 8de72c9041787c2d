// Package serverurl reads a Socket.IO server's address as socket.io-client
// users write it, io(url, {path}): the URL (http, https, ws or wss, with an
// optional namespace as its path) and the Engine.IO path (with or without
// its trailing slash). stampede run and stampede check both read their
// targets through it, so that one address works for both. It is a leaf:
// no goroutines, no sockets, no imports of the project.
package serverurl
