package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The batch writer frames messages itself (write.go): every length class
// of the websocket header (7-bit, 16-bit and 64-bit lengths, RFC 6455
// §5.2), text and binary, queued together and pre-framed or not, must reach
// a gorilla/websocket client intact and in order.
func TestWebsocketBatchFraming(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{})
	c := openWS(t, ts)
	sess := ts.session(t)

	sizes := []int{0, 1, 125, 126, 127, 65535, 65536, 70000}
	var frames []Frame
	var want []wsMsg
	for i, n := range sizes {
		text := MessageFrame([]byte(strings.Repeat("t", n)))
		bin := Frame{Binary: true, Data: []byte(strings.Repeat("b", n))}
		if i%2 == 1 {
			text, bin = text.Framed(), bin.Framed()
		}
		frames = append(frames, text, bin)
		want = append(want, wsMsg{Data: string(text.Data)}, wsMsg{Binary: true, Data: string(bin.Data)})
	}
	sess.Send(frames...)
	for i, w := range want {
		got := c.next(t)
		assert.Equal(t, w.Binary, got.Binary, "frame %d: binary", i)
		assert.Equal(t, len(w.Data), len(got.Data), "frame %d: length", i)
		assert.Equal(t, w.Data, got.Data, "frame %d: data", i)
	}
}

// A frame framed once for many sessions keeps its Data as queued, so that
// polling sessions and BinaryAsText see the payload alone.
func TestFramedKeepsData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    Frame
		head []byte
	}{
		{"empty text", Frame{Data: []byte{}}, []byte{0x81, 0}},
		{"short text", Frame{Data: []byte("42[]")}, []byte{0x81, 4}},
		{"binary", Frame{Binary: true, Data: []byte{1, 2, 3}}, []byte{0x82, 3}},
		{"16-bit length", Frame{Data: make([]byte, 300)}, []byte{0x81, 126, 1, 44}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.f.Framed()
			assert.Equal(t, tt.f.Data, got.Data, "Data")
			assert.Equal(t, tt.f.Binary, got.Binary, "Binary")
			assert.Equal(t, tt.head, got.wire[:len(tt.head)], "header")
			assert.Len(t, got.wire, len(tt.head)+len(tt.f.Data), "wire length")
			assert.Equal(t, got.wire, got.Framed().wire, "framing twice frames once")
		})
	}
}

// A batch larger than the socket takes at once (here 4 MiB in one Send) is finished by
// the blocking path (drainRest), in order and intact, and what was queued
// meanwhile follows it.
func TestWebsocketBatchPartialWrite(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{})
	c := openWS(t, ts)
	sess := ts.session(t)
	const n, size = 64, 64 << 10
	frames := make([]Frame, n)
	for i := range frames {
		frames[i] = MessageFrame([]byte(strings.Repeat(string(rune('a'+i%26)), size)))
	}
	sess.Send(frames...) // one batch
	sess.Send(MessageFrame([]byte("last")))
	for i := range n {
		got := c.nextText(t)
		require.Len(t, got, size+1, "frame %d", i)
		require.Equal(t, "4"+strings.Repeat(string(rune('a'+i%26)), size), got, "frame %d", i)
	}
	assert.Equal(t, "4last", c.nextText(t))
}

func TestConsume(t *testing.T) {
	t.Parallel()
	iov := func() [][]byte { return [][]byte{[]byte("ab"), []byte("cde"), []byte("f")} }
	tests := []struct {
		n    int
		want [][]byte
	}{
		{0, [][]byte{[]byte("ab"), []byte("cde"), []byte("f")}},
		{1, [][]byte{[]byte("b"), []byte("cde"), []byte("f")}},
		{2, [][]byte{[]byte("cde"), []byte("f")}},
		{4, [][]byte{[]byte("e"), []byte("f")}},
		{6, nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, consume(iov(), tt.n), "consume %d", tt.n)
	}
}

// Many senders at once: the write pool's writers take busy sessions in
// turn and every frame reaches its session in order, with none lost when
// writers go idle and come back (issue 16).
func TestWritePoolManySessions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{})
	const sessions, rounds = 20, 50
	clients := make([]*wsClient, sessions)
	sess := make([]*Session, sessions)
	for i := range clients {
		clients[i] = openWS(t, ts)
		sess[i] = ts.session(t)
	}
	for r := range rounds {
		for _, s := range sess {
			s.Send(MessageFrame([]byte{'a' + byte(r%26)}))
		}
		if r == rounds/2 {
			time.Sleep(2 * writerIdle) // the writers exit; the next Send starts them again
		}
	}
	for i, c := range clients {
		for r := range rounds {
			require.Equal(t, "4"+string(rune('a'+r%26)), c.nextText(t), "session %d, frame %d", i, r)
		}
	}
}
