package socketio

import (
	"bytes"
	"context"
	"fmt"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// echo1Cases: ECHO-1, the raw Engine.IO echo at Target.EnginePath.
func echo1Cases() []check.Case {
	const req = "Raw Engine.IO at `/engine.io/`: every message packet is sent back unchanged (binary stays binary; on polling as `b<base64>`); nothing is sent before the first ping."
	var out []check.Case
	out = append(out, eachEngine("ECHO-1/text", check.Must, req+" (A text message.)", engineText)...)
	out = append(out, eachEngine("ECHO-1/binary", check.Must, req+" (A binary message.)", engineBinary)...)
	return append(out, eachEngine("ECHO-1/no-early-packets", check.Must, req, noEarlyPackets)...)
}

// engineEcho sends one message packet and returns the first message packet
// that comes back.
func engineEcho(t *check.T, tr transport, sent engineio.Packet) engineio.Packet {
	p := dialEngine(t, tr)
	ctx, cancel := context.WithTimeout(t.Context(), check.Wait)
	defer cancel()
	if err := p.conn.SendPacket(ctx, sent); err != nil {
		t.Failf("the client to send a message", "%v", err)
	}
	return await(p, check.Wait, "the message back: `"+shorten(string(engineio.AppendText(nil, sent)))+"`",
		func(w *wire) (engineio.Packet, bool) {
			for _, f := range w.frames {
				if f.Type == engineio.Message {
					return f, true
				}
			}
			return engineio.Packet{}, false
		})
}

func engineText(t *check.T, tr transport) {
	sent := engineio.Packet{Type: engineio.Message, Data: []byte("stampede ünï ☃ \"q\" " + token())}
	if got := engineEcho(t, tr, sent); got.Binary || !bytes.Equal(got.Data, sent.Data) {
		t.Failf("`"+string(engineio.AppendText(nil, sent))+"`", "`%s`", shorten(string(engineio.AppendText(nil, got))))
	}
}

func engineBinary(t *check.T, tr transport) {
	sent := engineio.Packet{Type: engineio.Message, Binary: true, Data: allBytes(token())}
	got := engineEcho(t, tr, sent)
	switch {
	case !got.Binary:
		t.Failf(fmt.Sprintf("a binary message of the %d bytes sent", len(sent.Data)), "a text message `%s`", shorten(string(engineio.AppendText(nil, got))))
	case !bytes.Equal(got.Data, sent.Data):
		t.Failf("the bytes sent: "+hexes([][]byte{sent.Data}), "%s", hexes([][]byte{got.Data}))
	}
}

func noEarlyPackets(t *check.T, tr transport) {
	p := dialEngine(t, tr)
	i := p.nextPing(0, "a first ping")
	p.w.mu.Lock()
	early := append([]engineio.Packet(nil), p.w.frames[:i]...)
	p.w.mu.Unlock()
	for _, f := range early {
		if f.Type != engineio.Open && f.Type != engineio.Noop {
			t.Failf("nothing between the OPEN packet and the first ping", "`%s`", shorten(string(engineio.AppendText(nil, f))))
		}
	}
}
