// Package yjs reads and merges Yjs document updates in the v1 update format
// (the one Y.encodeStateAsUpdate, the "update" event and the open-webui
// frontend produce), so that the reference server can keep a document as
// stored updates and hand a joiner one merged state (PROTOCOL.md section 7,
// DOC-1 and DOC-5).
//
// An update is lib0-encoded: the structs, grouped by client, each group a
// run of clock ranges (items with their content, GC and Skip ranges), then a
// delete set (clock ranges per client). MergeUpdates does what Y.mergeUpdates
// does in the yjs npm package (13.x): one update equivalent to applying all
// of them, without building a document. For updates written by Yjs itself
// the result is byte for byte the one Y.mergeUpdates returns (the tests
// check it against the yjs npm package), with one exception: where one
// update holds a GC range and another an item at the same position, Yjs's
// choice depends on V8's sort; this package takes the item, which gives
// the same content.
//
// Every content type is supported: Deleted, JSON, Binary, String, Embed,
// Format, Type, Any and Doc, and GC and Skip structs. Content that cannot
// be split (Binary, Embed, Format, Type, Doc) is carried as the bytes it
// arrived in, after the same validation Yjs does on reading it (UTF-8
// strings, JSON, lib0 Any values, known type refs).
//
// The package is pure: no goroutines, no I/O, nothing global but
// EmptyUpdate. Malformed input never panics; the error wraps ErrMalformed.
package yjs
