package socketio

import (
	"bytes"
	"fmt"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// sio5Cases: SIO-5, binary events, seen through the echo: what the handler
// got in place of the placeholders is what message-back carries.
func sio5Cases() []check.Case {
	const req = "BINARY_EVENT: `451-[\"name\",{\"_placeholder\":true,\"num\":0}]` followed by one binary message per attachment; the handler sees the bytes in place of the placeholder."
	return append(each("SIO-5/binary-event", check.Must, req, binaryEvent),
		each("SIO-5/multiple-attachments", check.Must, req+" Three attachments, nested, each in its own placeholder's place.", multipleAttachments)...)
}

// allBytes is every byte value once, and a tag: what a text transport
// would mangle.
func allBytes(tag string) []byte {
	b := make([]byte, 256, 256+len(tag))
	for i := range b {
		b[i] = byte(i)
	}
	return append(b, tag...)
}

func binaryEvent(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	tag := token()
	data := allBytes(tag)
	p.send(s, "message", data)
	r, _ := p.next(0, "message-back", isEvent(nsp, "message-back"))
	want := fmt.Sprintf("`451-%s[\"message-back\",{\"_placeholder\":true,\"num\":0}]` and the %d bytes sent", prefix(nsp), len(data))
	if r.Type != socketio.BinaryEvent || len(r.Attachments) != 1 {
		t.Failf(want, "`%s` with %d attachments", shorten(r.wireText()), len(r.Attachments))
	}
	v, err := socketio.Reconstruct(socketio.JoinArgs(r.args()), r.Attachments)
	args, _ := v.([]any)
	if err != nil || len(args) != 1 {
		t.Failf(want, "`%s`: %v", shorten(r.wireText()), err)
	}
	if got, _ := args[0].([]byte); !bytes.Equal(got, data) {
		t.Failf(want, "`%s` with the attachment %s", shorten(r.wireText()), hexes(r.Attachments))
	}
}

func multipleAttachments(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	tag := token()
	b0, b1, b2 := []byte("zero-"+tag), allBytes(tag), []byte{0xff, 0, 0xff}
	p.send(s, "message", b0, map[string]any{"k": b1}, []any{b2, tag})
	r, _ := p.next(0, "message-back", isEvent(nsp, "message-back"))
	want := "message-back carrying the 3 attachments where they were sent: [b0, {\"k\": b1}, [b2, tag]]"
	v, err := socketio.Reconstruct(socketio.JoinArgs(r.args()), r.Attachments)
	args, _ := v.([]any)
	if err != nil || r.Type != socketio.BinaryEvent || len(args) != 3 {
		t.Failf(want, "`%s` with %d attachments (%v)", shorten(r.wireText()), len(r.Attachments), err)
	}
	m, _ := args[1].(map[string]any)
	l, _ := args[2].([]any)
	if len(l) != 2 || !sameValue(args[0], b0) || !sameValue(m["k"], b1) || !sameValue(l[0], b2) || l[1] != tag {
		t.Failf(want, "`%s` with attachments %s", shorten(r.wireText()), hexes(r.Attachments))
	}
}

func sameValue(v any, b []byte) bool {
	got, ok := v.([]byte)
	return ok && bytes.Equal(got, b)
}
