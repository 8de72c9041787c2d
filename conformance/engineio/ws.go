package engineio

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// wsConn is a raw websocket to the target: a session opened on websocket,
// or the probe of an upgrade. One read loop feeds frames to the case.
type wsConn struct {
	w      *wire
	n      int
	conn   *websocket.Conn
	open   engineio.OpenInfo
	opened time.Time

	frames chan packet
	done   chan struct{}
	err    error // why the read loop ended; set before done closes
	pong   atomic.Bool
	wmu    sync.Mutex
}

var _ session = (*wsConn)(nil)

// refusedError is a websocket handshake the server answered without
// switching protocols.
type refusedError struct {
	status int
	body   []byte
}

func (e *refusedError) Error() string { return fmt.Sprintf("HTTP %d %s", e.status, clip(e.body)) }

// dialWS performs a websocket handshake at path with query q. A refusal is
// a *refusedError.
func (w *wire) dialWS(path, q string, header http.Header) (*wsConn, error) {
	n := w.nextConn()
	u := *w.t.Target.URL
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	w.logf(n, ">", "websocket %s%s", path, q)
	d := websocket.Dialer{NetDialContext: w.dial, HandshakeTimeout: check.Wait}
	conn, resp, err := d.DialContext(w.ctx, strings.TrimSuffix(u.String(), "/")+path+q, header)
	if err != nil {
		if w.ctx.Err() != nil {
			return nil, w.over()
		}
		if resp != nil && errors.Is(err, websocket.ErrBadHandshake) {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			w.logf(n, "<", "HTTP %d %s", resp.StatusCode, clip(body))
			return nil, &refusedError{resp.StatusCode, body}
		}
		w.logf(n, "<", "%v", err)
		return nil, failf("a websocket handshake at "+path, "%v", err)
	}
	w.logf(n, "<", "101 Switching Protocols")
	c := &wsConn{w: w, n: n, conn: conn, frames: make(chan packet, 1024), done: make(chan struct{})}
	w.onClose(func() { conn.Close() })
	w.spawn(c.read)
	return c, nil
}

// openWS opens a session on websocket at path: the first frame must be the
// OPEN packet.
func (w *wire) openWS(path string, header http.Header) (*wsConn, error) {
	c, err := w.dialWS(path, handshakeQuery(engineio.TransportWebsocket), header)
	var re *refusedError
	if errors.As(err, &re) {
		return nil, failf("a websocket session at "+path, "the handshake was answered %v", re)
	}
	if err != nil {
		return nil, err
	}
	const want = "the OPEN packet as the first websocket frame"
	p, err := c.recv(check.Wait)
	if err != nil {
		return nil, describe(err, want, check.Wait)
	}
	info, err := engineio.ParseOpen(p.Packet)
	if err != nil {
		return nil, failf(want, "%s", p)
	}
	c.open, c.opened = info, p.at
	return c, nil
}

// read is the connection's one reader.
func (c *wsConn) read() {
	defer close(c.done)
	for {
		mt, data, err := c.conn.ReadMessage()
		if err != nil {
			c.err = err
			c.w.logf(c.n, "<", "%s", closeHow(err))
			return
		}
		p := packet{at: time.Now()}
		if mt == websocket.BinaryMessage {
			p.Packet, p.raw = engineio.DecodeBinary(data), string(data)
			c.w.logf(c.n, "<", "binary %s", clip(data))
		} else {
			p.raw = string(data)
			p.Packet, p.bad = engineio.DecodeText(data)
			c.w.logf(c.n, "<", "%s", clip(data))
		}
		if p.raw == "2" && c.pong.Load() {
			c.send("3")
		}
		select {
		case c.frames <- p:
		case <-c.w.ctx.Done():
			return
		}
	}
}

// closeHow describes the end of a websocket.
func closeHow(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return fmt.Sprintf("a close frame %d %q", ce.Code, ce.Text)
	}
	return fmt.Sprintf("the connection ended (%v)", err)
}

// closeCode is the close frame's code, or -1.
func (c *wsConn) closeCode() int {
	var ce *websocket.CloseError
	if errors.As(c.err, &ce) {
		return ce.Code
	}
	return -1
}

func (c *wsConn) transport() string       { return engineio.TransportWebsocket }
func (c *wsConn) info() engineio.OpenInfo { return c.open }
func (c *wsConn) openedAt() time.Time     { return c.opened }
func (c *wsConn) autoPong(on bool)        { c.pong.Store(on) }

func (c *wsConn) send(pkts ...string) error {
	for _, p := range pkts {
		if err := c.write(websocket.TextMessage, []byte(p)); err != nil {
			return err
		}
	}
	return nil
}

func (c *wsConn) sendBinary(b []byte) error { return c.write(websocket.BinaryMessage, b) }

func (c *wsConn) write(mt int, b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if mt == websocket.BinaryMessage {
		c.w.logf(c.n, ">", "binary %s", clip(b))
	} else {
		c.w.logf(c.n, ">", "%s", clip(b))
	}
	c.conn.SetWriteDeadline(time.Now().Add(check.Wait))
	if err := c.conn.WriteMessage(mt, b); err != nil {
		select {
		case <-c.done:
			return &closedError{closeHow(c.err)}
		default:
		}
		return &closedError{fmt.Sprintf("a write failed (%v)", err)}
	}
	return nil
}

func (c *wsConn) recv(d time.Duration) (packet, error) {
	p, err := c.next(d)
	if err == nil && p.bad != nil {
		return p, failf("Engine.IO packets of types 0 to 6", "the frame %s", p)
	}
	return p, err
}

// next returns the next frame as it came, within d.
func (c *wsConn) next(d time.Duration) (packet, error) {
	select {
	case p := <-c.frames:
		return p, nil
	default:
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case p := <-c.frames:
		return p, nil
	case <-c.done:
		select {
		case p := <-c.frames:
			return p, nil
		default:
		}
		return packet{}, &closedError{closeHow(c.err)}
	case <-timer.C:
		return packet{}, errQuiet
	case <-c.w.ctx.Done():
		return packet{}, c.w.over()
	}
}
