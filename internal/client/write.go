package client

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// outbound is what one write puts on the wire: an optional text packet and
// binary packets, in one websocket frame each or one polling POST.
type outbound struct {
	text []byte   // wire text form, type digit included; nil when absent
	bins [][]byte // binary messages
	raw  bool     // sent as given and not reported to OnRaw
}

// bufPool holds encoding buffers; a Conn keeps none between writes.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// putBuf returns b to bufPool unless one large message made it too big to keep.
func putBuf(bp *[]byte, b []byte) {
	if cap(b) <= 64<<10 {
		*bp = b
		bufPool.Put(bp)
	}
}

// SendPacket writes one Engine.IO packet as it is: the raw write of the
// conformance suite. A Binary message goes as a websocket binary frame, or as
// "b<base64>" on polling (EIO-11).
func (c *Conn) SendPacket(ctx context.Context, p engineio.Packet) error {
	if p.Binary {
		return c.write(ctx, outbound{bins: [][]byte{p.Data}})
	}
	bp := bufPool.Get().(*[]byte)
	b := engineio.AppendText((*bp)[:0], p)
	err := c.write(ctx, outbound{text: b})
	putBuf(bp, b)
	return err
}

// SendRawText writes b unchanged: as one websocket text frame, or as the
// whole body of a polling POST (text/plain). For malformed-input checks.
func (c *Conn) SendRawText(ctx context.Context, b []byte) error {
	return c.write(ctx, outbound{text: b, raw: true})
}

// SendRawBinary writes b unchanged: as one websocket binary frame, or as a
// polling POST body with Content-Type application/octet-stream (which an
// EIO=4 server must refuse).
func (c *Conn) SendRawBinary(ctx context.Context, b []byte) error {
	return c.write(ctx, outbound{bins: [][]byte{b}, raw: true})
}

// sendControl writes a packet of type t with data, such as the pong `3`.
func (c *Conn) sendControl(ctx context.Context, t engineio.PacketType, data []byte) error {
	bp := bufPool.Get().(*[]byte)
	b := engineio.AppendText((*bp)[:0], engineio.Packet{Type: t, Data: data})
	err := c.write(ctx, outbound{text: b})
	putBuf(bp, b)
	return err
}

// sendSocketIO writes a Socket.IO packet and its attachments as one message
// packet followed by one binary message per attachment (SIO-5). p goes as
// given: its Attachments count is not checked against atts.
func (c *Conn) sendSocketIO(ctx context.Context, p socketio.Packet, atts [][]byte) error {
	bp := bufPool.Get().(*[]byte)
	b := append((*bp)[:0], '0'+byte(engineio.Message))
	b = socketio.Append(b, p)
	err := c.write(ctx, outbound{text: b, bins: atts})
	putBuf(bp, b)
	return err
}

// sendEvent writes an emit, encoded straight into a pooled buffer: the
// path of every emit of a virtual client.
func (c *Conn) sendEvent(ctx context.Context, nsp string, id int64, event string, args []any) error {
	bp := bufPool.Get().(*[]byte)
	b, atts, err := appendEvent(append((*bp)[:0], '0'+byte(engineio.Message)), nsp, id, event, args)
	if err == nil {
		err = c.write(ctx, outbound{text: b, bins: atts})
	}
	putBuf(bp, b)
	return err
}

// write puts o on the current transport. Writes are serialised by wmu, so
// the packets of one write stay together and in order.
func (c *Conn) write(ctx context.Context, o outbound) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	ws, poll, cause := c.ws, c.poll, c.err
	c.mu.Unlock()
	if cause != nil {
		return closedError(cause)
	}
	if !o.raw {
		c.observeOut(o)
	}
	if ws != nil {
		return c.writeWebsocket(ctx, ws, o)
	}
	return c.writePolling(ctx, poll, o)
}

func (c *Conn) observeOut(o outbound) {
	if c.opts.OnRaw == nil {
		return
	}
	if o.text != nil {
		if p, err := engineio.DecodeText(o.text); err == nil {
			c.observe(Sent, p)
		}
	}
	for _, b := range o.bins {
		c.observe(Sent, engineio.DecodeBinary(b))
	}
}

// writeWebsocket writes o with ctx's deadline as the write deadline. A ctx
// without deadline cannot interrupt a blocked websocket write; one whose
// deadline cuts a write short closes the Conn.
//
// The frames are built here and written to the TCP connection in one
// write, past gorilla's writer: per frame it allocated three times, locked
// and set the socket's write deadline again, about 5% of a virtual
// client's CPU per acked emit.
func (c *Conn) writeWebsocket(ctx context.Context, ws *wsConn, o outbound) error {
	var dl time.Time
	var ns int64
	if d, ok := ctx.Deadline(); ok {
		dl, ns = d, d.UnixNano()
	}
	nc := ws.nc
	if ns != c.wdl {
		_ = nc.SetWriteDeadline(dl)
		c.wdl = ns
	}
	fp := bufPool.Get().(*[]byte)
	b := (*fp)[:0]
	if o.text != nil {
		b = appendFrame(b, opText, o.text)
	}
	for _, bin := range o.bins {
		b = appendFrame(b, opBinary, bin)
	}
	_, err := nc.Write(b)
	putBuf(fp, b)
	if err != nil {
		return c.writeError(ctx, err)
	}
	return nil
}

// writePong answers a websocket ping (RFC 6455 section 5.5.2) from the read
// goroutine, between the Conn's writes, within a second.
func (c *Conn) writePong(ws *wsConn, payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wdl = -1 // not a deadline: the next write sets its own
	_ = ws.nc.SetWriteDeadline(time.Now().Add(time.Second))
	return ws.writeMessage(opPong, payload)
}

// writeError handles a failed websocket write. One cut short by its
// deadline left a frame half-sent, after which nothing can follow: it closes
// the Conn. Any other failure means the connection is broken, which the
// read loop sees too and reports with what it read last (the server's close
// frame and its code, say), so the read side's cause is the one recorded.
func (c *Conn) writeError(ctx context.Context, err error) error {
	terr := &TransportError{Transport: engineio.TransportWebsocket, Err: err}
	ne, ok := errors.AsType[net.Error](err)
	timeout := ok && ne.Timeout()
	if timeout {
		c.closeWith(terr)
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case timeout: // the socket's deadline is ctx's, whose timer may not have fired yet
		return fmt.Errorf("%w: %w", context.DeadlineExceeded, terr)
	}
	return terr
}

// writePolling sends o as one POST: packets joined by the record separator,
// binary ones as "b<base64>" (EIO-8, EIO-11); a raw binary write goes as an
// octet-stream body.
func (c *Conn) writePolling(ctx context.Context, p *poller, o outbound) error {
	err := c.postOutbound(ctx, p, o)
	if err != nil && p.ctx.Err() != nil {
		// The Conn closed under the POST (often because of it: the server
		// answered the pending GET with `1`); say so rather than "canceled".
		if cause := c.Err(); cause != nil {
			return closedError(cause)
		}
	}
	return err
}

func (c *Conn) postOutbound(ctx context.Context, p *poller, o outbound) error {
	if o.raw {
		if o.text != nil {
			return p.post(ctx, o.text, textContentType)
		}
		return p.post(ctx, o.bins[0], binaryContentType)
	}
	bp := bufPool.Get().(*[]byte)
	body := append((*bp)[:0], o.text...)
	for i, b := range o.bins {
		if i > 0 || o.text != nil {
			body = append(body, engineio.RecordSeparator)
		}
		body = append(body, 'b')
		body = base64.StdEncoding.AppendEncode(body, b)
	}
	err := p.post(ctx, body, textContentType)
	putBuf(bp, body)
	return err
}
