// Package simulator runs virtual clients that behave like open-webui's
// browser client (PROTOCOL.md section 9) against a Socket.IO server, driven
// by a scenario (package scenarios), and records what they measure
// (package simulator/metrics) into a reports.Run.
//
// This package is being built up: so far it holds the reconnection backoff
// of CLIENT-3.
package simulator
