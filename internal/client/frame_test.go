package client

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Frames written by appendFrame are what a websocket server reads (gorilla,
// which refuses unmasked client frames), for every length encoding
// (RFC 6455 section 5.2: 7-bit, 16-bit and 64-bit) and both opcodes.
func TestAppendFrameReadByAServer(t *testing.T) {
	t.Parallel()
	url := wsServer(t, func(ws *websocket.Conn) {
		for { // echo
			mt, b, err := ws.ReadMessage()
			if err != nil || ws.WriteMessage(mt, b) != nil {
				return
			}
		}
	})
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(url, "http"), nil)
	require.NoError(t, err)
	defer ws.Close()
	for _, n := range []int{0, 1, 7, 8, 9, 125, 126, 127, 65535, 65536, 70001} {
		for _, op := range []byte{opText, opBinary} {
			payload := bytes.Repeat([]byte("abcdefghijk"), n/11+1)[:n]
			_, err := ws.NetConn().Write(appendFrame([]byte("keep"), op, payload)[4:])
			require.NoError(t, err)
			mt, got, err := ws.ReadMessage()
			require.NoError(t, err, "length %d, op %d", n, op)
			assert.Equal(t, int(op), mt, "length %d", n)
			assert.True(t, bytes.Equal(payload, got), "length %d, op %d: the payload came back as sent", n, op)
		}
	}
}

// appendFrame leaves what dst held and does not touch payload.
func TestAppendFrameKeepsItsInputs(t *testing.T) {
	t.Parallel()
	payload := []byte("hello, world")
	b := appendFrame([]byte("xy"), opText, payload)
	assert.Equal(t, "xy", string(b[:2]))
	assert.Equal(t, "hello, world", string(payload))
	assert.Equal(t, byte(0x81), b[2], "FIN and opcode 1")
	assert.Equal(t, byte(0x80|12), b[3], "masked, 12 bytes")
	assert.Len(t, b, 2+2+4+12)
}

// mask is the XOR with the key repeated, byte by byte (RFC 6455 section
// 5.3), whatever the length and alignment.
func FuzzMask(f *testing.F) {
	f.Add([]byte("hello, world, hello"), uint32(0x01020304), uint8(0))
	f.Add([]byte{}, uint32(0xffffffff), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, key uint32, off uint8) {
		b = b[min(int(off%8), len(b)):]
		in, want := bytes.Clone(b), bytes.Clone(b)
		for i := range want {
			want[i] ^= byte(key >> (8 * (i % 4)))
		}
		mask(b, key)
		if !bytes.Equal(b, want) {
			t.Fatalf("mask(%x, %08x) = %x, want %x", in, key, b, want)
		}
	})
}
