package engineio

import (
	"bytes"
	"context"
	"fmt"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// EIO-11: binary messages, on the raw echo.

// binaryData has what a text encoding would mangle: NUL, the record
// separator, invalid UTF-8, and a leading '4' and 'b'.
var binaryData = []byte{'4', 'b', 0x00, 0x01, 0x1e, 0x7f, 0x80, 0xfe, 0xff, 'o', 'k'}

// binaryEcho is EIO-11/ws-binary and EIO-11/polling-base64.
func binaryEcho(tr string) func(context.Context, *check.T) {
	return func(_ context.Context, t *check.T) {
		requireEngine(t, tr)
		s, err := newWire(t).open(tr, t.Target.EnginePath)
		must(t, err)
		s.autoPong(true)
		want := "a binary frame with the same bytes"
		if tr == engineio.TransportPolling {
			want = "the same bytes back as b<base64>"
		}
		want += fmt.Sprintf(" (% x)", binaryData)
		must(t, s.sendBinary(binaryData))
		got, err := recvMessage(s, check.Wait)
		must(t, describe(err, want, check.Wait))
		switch {
		case !got.Binary:
			t.Failf(want, "the text message %s", got)
		case !bytes.Equal(got.Data, binaryData):
			t.Failf(want, "binary % x", got.Data)
		}
	}
}
