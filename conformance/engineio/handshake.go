package engineio

import (
	"context"
	"net/http"

	"github.com/stampede-sio/stampede/conformance/check"
)

// Cases returns the Engine.IO cases.
func Cases() []check.Case {
	return []check.Case{
		{ID: "EIO-2/eio3", Layer: check.LayerEngineIO, Level: check.Must,
			Requirement: "A first request with EIO=3 is answered HTTP 400.",
			Run:         func(_ context.Context, t *check.T) { badVersion(t, "EIO=3&") }},
		{ID: "EIO-2/missing", Layer: check.LayerEngineIO, Level: check.Must,
			Requirement: "A first request without EIO is answered HTTP 400.",
			Run:         func(_ context.Context, t *check.T) { badVersion(t, "") }},
	}
}

func badVersion(t *check.T, eio string) {
	transport := "websocket"
	if t.Target.Polling {
		transport = "polling"
	}
	status, body, _ := t.HTTP(http.MethodGet, t.Target.Path+"?"+eio+"transport="+transport, "", nil)
	if status != http.StatusBadRequest {
		t.Failf("HTTP 400", "HTTP %d %q", status, body)
	}
}
