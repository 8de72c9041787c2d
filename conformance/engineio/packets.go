package engineio

import (
	"context"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// EIO-7 and EIO-15/bad-type: the packet types, on the raw echo.

// messageRoundTrip is EIO-7/message: message packets `4…` come back
// unchanged, UTF-8 and JSON-looking text included.
func messageRoundTrip(_ context.Context, t *check.T) {
	eachSession(t, func(s session) error {
		s.autoPong(true)
		return echo(s, "4hello", "4héllo wörld ✓ 😀", `4{"a":[1,"two",null]}`, "4 ")
	})
}

// packetTypes is EIO-7/types: through an echo and a ping, everything the
// server sends is one of the seven packet types, the OPEN only first and
// no upgrade packet at all.
func packetTypes(_ context.Context, t *check.T) {
	eachSession(t, func(s session) error {
		s.autoPong(true)
		if err := s.send("4types"); err != nil {
			return err
		}
		pi, _ := timings(s.info())
		deadline := s.openedAt().Add(late(pi))
		var echoed, pinged bool
		for !echoed || !pinged {
			p, err := s.recv(time.Until(deadline))
			if err != nil {
				return describe(err, "the echo and a ping, every packet of a type 0 to 6", late(pi))
			}
			switch p.Type {
			case engineio.Open:
				return failf("the OPEN packet only as the first packet", "another came: %s", p)
			case engineio.Upgrade:
				return failf("no upgrade packet `5` from the server (it is the client's)", "%s", p)
			case engineio.Ping:
				pinged = true
			case engineio.Message:
				echoed = echoed || p.raw == "4types"
			}
		}
		return nil
	})
}

// badType is EIO-15/bad-type.
func badType(_ context.Context, t *check.T) {
	eachSession(t, func(s session) error {
		return badPacket(s, "8bad-type")
	})
}
