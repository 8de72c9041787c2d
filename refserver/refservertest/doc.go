// Package refservertest starts reference servers for tests: on httptest,
// shut down (sessions drained, Redis closed) when the test ends.
package refservertest
