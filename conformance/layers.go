package conformance

import (
	"github.com/stampede-sio/stampede/conformance/app"
	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/conformance/engineio"
	"github.com/stampede-sio/stampede/conformance/limits"
	"github.com/stampede-sio/stampede/conformance/socketio"
)

// layers is the one explicit list of case packages, in PROTOCOL.md's order.
func layers() [][]check.Case {
	return [][]check.Case{
		engineio.Cases(),
		socketio.Cases(),
		app.Cases(),
		limits.Cases(),
	}
}
