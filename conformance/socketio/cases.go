package socketio

import (
	"context"

	"github.com/stampede-sio/stampede/conformance/check"
)

// Cases returns the Socket.IO layer's cases in PROTOCOL.md's order.
func Cases() []check.Case {
	var all []check.Case
	for _, part := range [][]check.Case{
		sio1Cases(), sio2Cases(), sio3Cases(), sio4Cases(),
		sio5Cases(), sio6Cases(), sio7Cases(), sio8Cases(),
		echo1Cases(), echo2Cases(), echo3Cases(), echo4Cases(),
		echo5Cases(), echo6Cases(), echo7Cases(),
	} {
		all = append(all, part...)
	}
	return all
}

// runner is a case body; tr is the transport it runs over.
type runner func(t *check.T, tr transport)

// one is a case that runs over whichever transport the target serves,
// websocket first.
func one(id string, level check.Level, req string, run runner) check.Case {
	return check.Case{ID: id, Level: level, Layer: check.LayerSocketIO, Requirement: req,
		Run: func(_ context.Context, t *check.T) { run(t, anyTransport(t)) }}
}

// each is the case once per transport, the ID suffixed with its name; a
// variant whose transport the target does not serve skips.
func each(id string, level check.Level, req string, run runner) []check.Case {
	return variants(id, level, req, false, run)
}

// eachEngine is each for the raw Engine.IO echo at Target.EnginePath.
func eachEngine(id string, level check.Level, req string, run runner) []check.Case {
	return variants(id, level, req, true, run)
}

func variants(id string, level check.Level, req string, engine bool, run runner) []check.Case {
	var out []check.Case
	for _, tr := range transports {
		out = append(out, check.Case{ID: id + "/" + tr.name, Level: level, Layer: check.LayerSocketIO, Requirement: req,
			Run: func(_ context.Context, t *check.T) {
				tr.require(t, engine)
				run(t, tr)
			}})
	}
	return out
}
