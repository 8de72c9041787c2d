package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serverFrame is one frame as a server writes it: unmasked (RFC 6455
// section 5.1). first is FIN, RSV and opcode as they go on the wire.
func serverFrame(first byte, payload []byte) []byte {
	b := []byte{first}
	switch n := len(payload); {
	case n <= 125:
		b = append(b, byte(n))
	case n <= 0xffff:
		b = binary.BigEndian.AppendUint16(append(b, 126), uint16(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, 127), uint64(n))
	}
	return append(b, payload...)
}

// clientFrame reads one masked frame the client wrote and returns its
// first byte and unmasked payload.
func clientFrame(t *testing.T, br *bufio.Reader) (byte, []byte) {
	t.Helper()
	h := make([]byte, 2)
	_, err := io.ReadFull(br, h)
	require.NoError(t, err)
	require.NotZero(t, h[1]&0x80, "client frames are masked")
	n := int(h[1] & 0x7f)
	require.LessOrEqual(t, n, 125, "control frames and probes are short")
	key := make([]byte, 4)
	_, err = io.ReadFull(br, key)
	require.NoError(t, err)
	p := make([]byte, n)
	_, err = io.ReadFull(br, p)
	require.NoError(t, err)
	for i := range p {
		p[i] ^= key[i%4]
	}
	return h[0], p
}

// rawWSServer accepts one websocket on 127.0.0.1 by hand and runs serve
// with the connection and what the handshake left unread; eol ends the
// response's header lines. It returns the ws:// URL.
func rawWSServer(t *testing.T, eol string, serve func(nc net.Conn, br *bufio.Reader, accept string)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	done := make(chan struct{})
	t.Cleanup(func() { <-done })
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		br := bufio.NewReader(nc)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		accept := "HTTP/1.1 101 Switching Protocols" + eol + "Upgrade: websocket" + eol + "Connection: Upgrade" + eol +
			"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(sum[:]) + eol + eol
		serve(nc, br, accept)
	}()
	return "ws://" + ln.Addr().String() + "/socket.io/"
}

func dialWS(t *testing.T, url string) (*Conn, *wsConn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := &Conn{opts: &Options{}}
	ws, err := c.dialWebsocket(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ws.Close() })
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	return c, ws
}

// The frames a server sends with its 101, in the same write, reach the
// reader (the handshake's buffered reader does not swallow them); a
// fragmented message comes whole with a ping answered in the middle of it;
// a 64-bit length reads straight into the message; a close frame ends the
// read with its code and is echoed. Both line endings HTTP readers accept.
func TestWSConnReadsWhatFollowsThe101(t *testing.T) {
	t.Parallel()
	for _, eol := range []string{"\r\n", "\n"} {
		big := bytes.Repeat([]byte("0123456789"), 7000)
		pong := make(chan []byte, 1)
		closeEcho := make(chan []byte, 1)
		url := rawWSServer(t, eol, func(nc net.Conn, br *bufio.Reader, accept string) {
			var out []byte
			out = append(out, accept...)
			out = append(out, serverFrame(0x81, []byte(`0{"sid":"x"}`))...)
			out = append(out, serverFrame(0x02, []byte{4, 1})...) // binary, not final
			out = append(out, serverFrame(0x89, []byte("are you there"))...)
			out = append(out, serverFrame(0x00, []byte{2})...)
			out = append(out, serverFrame(0x80, []byte{3})...)
			out = append(out, serverFrame(0x81, big)...)
			if _, err := nc.Write(out); err != nil {
				return
			}
			if op, p := clientFrame(t, br); op == 0x8a {
				pong <- p
			}
			if _, err := nc.Write(serverFrame(0x88, append([]byte{0x0f, 0xa0}, "bye"...))); err != nil {
				return
			}
			if op, p := clientFrame(t, br); op == 0x88 {
				closeEcho <- p
			}
		})
		_, ws := dialWS(t, url)
		op, bp, data, err := ws.next()
		require.NoError(t, err, "eol %q", eol)
		assert.Equal(t, byte(opText), op)
		assert.Equal(t, `0{"sid":"x"}`, string(data))
		putBuf(bp, data)

		op, bp, data, err = ws.next()
		require.NoError(t, err)
		assert.Equal(t, byte(opBinary), op)
		assert.Equal(t, []byte{4, 1, 2, 3}, data, "fragments joined, the ping between them not in the message")
		putBuf(bp, data)
		assert.Equal(t, "are you there", string(<-pong), "the ping is answered with its payload")

		op, bp, data, err = ws.next()
		require.NoError(t, err)
		assert.Equal(t, byte(opText), op)
		assert.True(t, bytes.Equal(big, data), "70,000 bytes under a 64-bit length")
		putBuf(bp, data)

		_, _, _, err = ws.next()
		var ce *websocket.CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, 4000, ce.Code)
		assert.Equal(t, "bye", ce.Text)
		assert.Equal(t, []byte{0x0f, 0xa0}, <-closeEcho, "the close code is echoed")
	}
}

// A frame that arrives a byte at a time (header split at every byte, as
// slow links and hostile servers do) is read whole.
func TestWSConnReadsAFrameByteByByte(t *testing.T) {
	t.Parallel()
	payload := bytes.Repeat([]byte("x"), 300) // a 16-bit length
	url := rawWSServer(t, "\r\n", func(nc net.Conn, br *bufio.Reader, accept string) {
		if _, err := nc.Write([]byte(accept)); err != nil {
			return
		}
		for _, b := range serverFrame(0x81, payload) {
			if _, err := nc.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(100 * time.Microsecond)
		}
		_, _ = io.Copy(io.Discard, br) // until the client closes
	})
	_, ws := dialWS(t, url)
	op, _, data, err := ws.next()
	require.NoError(t, err)
	assert.Equal(t, byte(opText), op)
	assert.Equal(t, payload, data)
}

// Broken framing from the server ends the read with an error and a close
// frame with 1002 (1009 for a message too big to read), before any
// payload is buffered: RFC 6455 sections 5.1, 5.2, 5.4 and 5.5.
func TestWSConnRefusesBrokenFrames(t *testing.T) {
	t.Parallel()
	huge := binary.BigEndian.AppendUint64([]byte{0x81, 127}, 1<<40)
	cases := []struct {
		name  string
		wire  []byte
		code  uint16
		error string
	}{
		{"masked", []byte{0x81, 0x81, 1, 2, 3, 4, 'x'}, 1002, "masked frame"},
		{"reserved bits", serverFrame(0xc1, []byte("x")), 1002, "reserved bits"},
		{"unknown opcode", serverFrame(0x83, []byte("x")), 1002, "opcode 3"},
		{"unknown control opcode", serverFrame(0x8b, nil), 1002, "opcode 11"},
		{"continuation first", serverFrame(0x80, []byte("x")), 1002, "continuation"},
		{"message inside a message", append(serverFrame(0x01, []byte("a")), serverFrame(0x81, []byte("b"))...), 1002, "inside a fragmented"},
		{"fragmented ping", serverFrame(0x09, nil), 1002, "control frame"},
		{"long ping", serverFrame(0x89, make([]byte, 126)), 1002, "control frame"},
		{"one-byte close", serverFrame(0x88, []byte{3}), 1002, "one-byte close"},
		{"close reason not UTF-8", serverFrame(0x88, []byte{3, 0xe8, 0xff}), 1002, "UTF-8"},
		{"close code reserved for reports", serverFrame(0x88, []byte{0x03, 0xed}), 1002, "close code 1005"},
		{"close code unassigned", serverFrame(0x88, []byte{0x07, 0xd0}), 1002, "close code 2000"},
		{"a terabyte announced", huge, 1009, "message over"},
		{"fragments over the bound", append(serverFrame(0x01, []byte("a")),
			binary.BigEndian.AppendUint64([]byte{0x80, 127}, maxMessage)...), 1009, "message over"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			closed := make(chan []byte, 1)
			url := rawWSServer(t, "\r\n", func(nc net.Conn, br *bufio.Reader, accept string) {
				if _, err := nc.Write(append([]byte(accept), tc.wire...)); err != nil {
					return
				}
				if op, p := clientFrame(t, br); op == 0x88 {
					closed <- p
				}
			})
			_, ws := dialWS(t, url)
			_, _, _, err := ws.next()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.error)
			assert.False(t, errors.As(err, new(*websocket.CloseError)), "not the server's close")
			assert.Equal(t, tc.code, binary.BigEndian.Uint16(<-closed))
		})
	}
}

// Whatever the server sends after its 101, the reader returns messages or
// an error, never panics or hangs, and buffers no more than arrived.
func FuzzWSConnNext(f *testing.F) {
	f.Add(serverFrame(0x81, []byte("4hello")))
	f.Add(append(serverFrame(0x02, []byte{1}), append(serverFrame(0x89, nil), serverFrame(0x80, []byte{2})...)...))
	f.Add(serverFrame(0x88, []byte{3, 0xe8}))
	f.Add([]byte{0x81, 126, 0, 200, 'x'})
	f.Add([]byte{0x82, 127, 0, 0, 0, 0, 0, 0x10, 0, 0})
	f.Fuzz(func(t *testing.T, wire []byte) {
		server, client := net.Pipe()
		go func() {
			_, _ = server.Write(wire)
			_ = server.Close()
		}()
		go func() { _, _ = io.Copy(io.Discard, server) }() // the close frames and pongs
		ws := newWSConn(client, nil, &Conn{opts: &Options{}})
		defer ws.Close()
		for range len(wire) + 1 { // each message takes at least 2 bytes
			_, bp, data, err := ws.next()
			if err != nil {
				return
			}
			if len(data) > len(wire) {
				t.Fatalf("a %d-byte message from %d bytes", len(data), len(wire))
			}
			putBuf(bp, data)
		}
		t.Fatal("more messages than the bytes could hold")
	})
}

// The headerConn hands over exactly the response header, wherever the
// reads split it, and keeps the rest.
func TestHeaderConnStopsAtTheHeadersEnd(t *testing.T) {
	t.Parallel()
	resp := "HTTP/1.1 101 OK\r\nA: b\r\n\r\nFRAMES"
	for split := 1; split < len(resp); split++ {
		server, client := net.Pipe()
		go func() {
			_, _ = server.Write([]byte(resp[:split]))
			_, _ = server.Write([]byte(resp[split:]))
		}()
		h := &headerConn{Conn: client}
		var got []byte
		buf := make([]byte, 64)
		for !h.done {
			n, err := h.Read(buf)
			require.NoError(t, err)
			got = append(got, buf[:n]...)
		}
		assert.Equal(t, resp[:len(resp)-len("FRAMES")], string(got), "split at %d", split)
		var rest []byte
		for len(rest) < len("FRAMES") {
			n, err := h.Read(buf)
			require.NoError(t, err)
			rest = append(rest, buf[:n]...)
		}
		assert.Equal(t, "FRAMES", string(rest), "split at %d: what follows the header comes next", split)
		_ = server.Close()
		_ = client.Close()
	}
}
