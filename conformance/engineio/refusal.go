package engineio

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
)

// wsAnswer is what a websocket handshake got, read byte for byte: the HTTP
// status and body of a refusal, or, after a 101, what came first on the
// upgraded connection. Node completes some upgrades and only then writes
// an HTTP 400 into the stream (NODE.md); gorilla would report that as a
// broken frame, so refusal checks read the bytes themselves.
type wsAnswer struct {
	status int
	body   []byte
	// After a 101:
	late      int    // status of an HTTP response written into the upgraded stream, or 0
	lateBody  []byte // its body
	frame     string // the first websocket frame's payload, when one came
	frameCode byte   // its opcode
}

func (a wsAnswer) String() string {
	switch {
	case a.status != http.StatusSwitchingProtocols:
		return fmt.Sprintf("HTTP %d %s", a.status, clip(a.body))
	case a.late != 0:
		return fmt.Sprintf("HTTP 101, then HTTP %d %s in the upgraded stream", a.late, clip(a.lateBody))
	case a.frameCode == 0:
		return "HTTP 101, then the connection closed without a frame"
	case a.frameCode == 8:
		return fmt.Sprintf("HTTP 101, then a close frame %s", clip([]byte(a.frame)))
	}
	return fmt.Sprintf("HTTP 101, then the frame %s: the websocket opened", clip([]byte(a.frame)))
}

// refusedWS checks that a websocket handshake was refused with want: an
// HTTP want, or Node's HTTP want written right after the 101 (no session
// opens either way, and the answer is that status).
func refusedWS(w *wire, a wsAnswer, want int, what string) error {
	switch {
	case a.status == want:
		return nil
	case a.status == http.StatusSwitchingProtocols && a.late == want:
		w.t.Logf("accepted: HTTP %d after a 101 (Node's late refusal, NODE.md)", want)
		return nil
	}
	if a.status != http.StatusSwitchingProtocols {
		return failf(fmt.Sprintf("HTTP %d to %s", want, what), "%s", gotStatus(a.status, want, a.String()))
	}
	return failf(fmt.Sprintf("HTTP %d to %s", want, what), "%s", a)
}

// wsHandshake sends a websocket handshake for path and query q with extra
// headers, and reads the answer.
func (w *wire) wsHandshake(path, q string, header http.Header) (wsAnswer, error) {
	n := w.nextConn()
	ctx, cancel := context.WithTimeout(w.ctx, check.Wait)
	defer cancel()
	u := w.t.Target.URL
	secure := u.Scheme == "https"
	port := u.Port()
	if port == "" {
		port = map[bool]string{false: "80", true: "443"}[secure]
	}
	host := net.JoinHostPort(u.Hostname(), port)
	conn, err := w.dial(ctx, "tcp", host)
	if err != nil {
		if w.ctx.Err() != nil {
			return wsAnswer{}, w.over()
		}
		return wsAnswer{}, failf("a connection to "+host, "%v", err)
	}
	defer conn.Close()
	if secure {
		conn = tls.Client(conn, &tls.Config{ServerName: u.Hostname()})
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var key [16]byte
	rand.Read(key[:])
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", path, q, w.t.Target.URL.Host)
	fmt.Fprintf(&req, "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", base64.StdEncoding.EncodeToString(key[:]))
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&req, "%s: %s\r\n", k, v)
		}
	}
	req.WriteString("\r\n")
	if len(header) > 0 {
		w.logf(n, ">", "websocket %s%s %v", path, q, header)
	} else {
		w.logf(n, ">", "websocket %s%s", path, q)
	}
	expected := "an answer to the websocket handshake at " + path
	if _, err := io.WriteString(conn, req.String()); err != nil {
		return wsAnswer{}, w.netFailure(n, expected, err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return wsAnswer{}, w.netFailure(n, expected, err)
	}
	a := wsAnswer{status: resp.StatusCode}
	if a.status != http.StatusSwitchingProtocols {
		a.body, _ = io.ReadAll(io.LimitReader(resp.Body, 4096))
		w.logf(n, "<", "%s", a)
		return a, nil
	}
	if head, _ := br.Peek(5); string(head) == "HTTP/" {
		if late, err := http.ReadResponse(br, nil); err == nil {
			a.late = late.StatusCode
			a.lateBody, _ = io.ReadAll(io.LimitReader(late.Body, 4096))
		}
	} else {
		a.frameCode, a.frame = readFrame(br)
	}
	w.logf(n, "<", "%s", a)
	return a, nil
}

func (w *wire) netFailure(n int, expected string, err error) error {
	if w.ctx.Err() != nil {
		return w.over()
	}
	w.logf(n, "<", "%v", err)
	return failf(expected, "%v", err)
}

// readFrame reads one websocket frame (RFC 6455 section 5.2) and returns
// its opcode and up to 64 KiB of payload; opcode 0 when none could be read.
func readFrame(br *bufio.Reader) (byte, string) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return 0, ""
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		io.ReadFull(br, b[:])
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		io.ReadFull(br, b[:])
		n = binary.BigEndian.Uint64(b[:])
	}
	var mask [4]byte
	if h[1]&0x80 != 0 {
		io.ReadFull(br, mask[:])
	}
	payload := make([]byte, min(n, 64<<10))
	io.ReadFull(br, payload)
	if h[1]&0x80 != 0 {
		for i := range payload {
			payload[i] ^= mask[i%4]
		}
	}
	return h[0] & 0x0f, string(payload)
}
