// Package engineio encodes and decodes Engine.IO v4 packets (PROTOCOL.md
// section 1, EIO-7, EIO-8, EIO-11) and the HTTP error bodies of EIO-2/EIO-3.
//
// It is a pure codec: no goroutines, no I/O, safe for concurrent use. Decoded
// packets alias the input slice; copy Data if the input buffer is reused.
// Malformed input always returns an error wrapping ErrMalformed, never panics.
package engineio
