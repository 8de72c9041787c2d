// Package excerpt makes bytes that a server sent fit to be quoted in an
// error message or a report: escaped as Go quotes strings (strconv.Quote),
// so that a hostile server cannot write control sequences to a terminal,
// and cut short with the full length named, so that it cannot fill one.
// Every error that quotes server output goes through Of; messages built by
// libraries that may embed server output (net/http, gorilla/websocket) go
// through Message. It has no state and starts no goroutines.
package excerpt
