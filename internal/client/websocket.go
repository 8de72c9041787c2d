package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stampede-sio/stampede/internal/deep"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// writePool is gorilla's write buffer pool: gorilla never writes here (the
// Conn frames its own messages), but without a pool its dial would make a
// 4 KiB write buffer for every connection.
var writePool sync.Pool

// openWebsocket dials the websocket transport, reads the OPEN packet and
// starts the read loop.
func (c *Conn) openWebsocket(ctx context.Context, base *url.URL) error {
	ws, err := c.dialWebsocket(ctx, endpoint(base, engineio.TransportWebsocket, ""))
	if err != nil {
		return err
	}
	p, err := readText(ctx, ws)
	if err == nil {
		c.observe(Received, p)
		c.info, err = engineio.ParseOpen(p)
	}
	if err != nil {
		_ = ws.Close()
		return fmt.Errorf("client: websocket handshake: %w", err)
	}
	c.ws = ws
	c.upgraded = closedChan
	c.readers = 1
	_ = ws.SetReadDeadline(time.Now().Add(c.pingWindow()))
	go c.websocketLoop(ws)
	return nil
}

// dialWebsocket performs the websocket handshake with gorilla and takes the
// connection over. A refusal is an *HTTPError.
func (c *Conn) dialWebsocket(ctx context.Context, rawURL string) (*wsConn, error) {
	var hc *headerConn
	plain, secure := c.opts.wsDialer(&hc)
	d := websocket.Dialer{
		NetDialContext:    plain,
		NetDialTLSContext: secure,
		HandshakeTimeout:  c.opts.handshakeTimeout(),
		ReadBufferSize:    handshakeBufSize,
		WriteBufferPool:   &writePool,
	}
	_, resp, err := d.DialContext(ctx, rawURL, c.opts.Header)
	if err != nil {
		if resp != nil && errors.Is(err, websocket.ErrBadHandshake) {
			body, _ := io.ReadAll(resp.Body)
			err = &HTTPError{StatusCode: resp.StatusCode, Body: body}
		}
		return nil, fmt.Errorf("client: websocket dial: %w", err)
	}
	return newWSConn(hc.Conn, hc.rest, c), nil
}

// handshakeBufSize is gorilla's read buffer for the handshake response,
// dropped with gorilla's Conn once the wsConn takes over.
const handshakeBufSize = 1024

// readText reads one text message before the read loop runs (the OPEN
// packet, the `3probe`), bounded by ctx's deadline.
func readText(ctx context.Context, ws *wsConn) (engineio.Packet, error) {
	if dl, ok := ctx.Deadline(); ok {
		_ = ws.SetReadDeadline(dl)
	}
	// A cancelled ctx interrupts the read by moving the deadline to the past.
	stop := context.AfterFunc(ctx, func() { _ = ws.SetReadDeadline(time.Unix(1, 0)) })
	op, bp, data, err := ws.next()
	if !stop() && ctx.Err() != nil {
		if bp != nil {
			putBuf(bp, data)
		}
		return engineio.Packet{}, ctx.Err() // the deadline is spoilt: give up
	}
	if err != nil {
		return engineio.Packet{}, err
	}
	defer putBuf(bp, data)
	if op != opText {
		return engineio.Packet{}, fmt.Errorf("%w: binary frame where a text packet was due", engineio.ErrMalformed)
	}
	p, err := engineio.DecodeText(data)
	p.Data = bytes.Clone(p.Data)
	return p, err
}

// websocketLoop is the one read goroutine of a websocket Conn.
func (c *Conn) websocketLoop(ws *wsConn) {
	err := c.readWebsocket(ws)
	if err == errParked {
		return // the socket is the parker's until wake starts the next loop
	}
	ws.unpark()
	c.closeWith(err)
	c.readerDone()
}

// errParked ends a read loop whose socket went to the parker: the Conn
// reads on when the next loop starts (wsConn.wake).
var errParked = errors.New("client: parked")

// readWebsocket reads and handles packets until an error. The read deadline
// is the ping timeout: every ping moves it pingInterval+pingTimeout ahead.
//
// The loop is kept shallow on purpose: an idle connection parks here, and
// the runtime halves a goroutine stack only while less than a quarter of it
// is in use (plus 800 bytes), so a read goroutine that once grew to 4 KiB
// keeps 4 KiB for good. Handling a packet goes deeper, so it runs on a
// pooled goroutine (handleDeep): the read goroutine stays within 2 KiB.
func (c *Conn) readWebsocket(ws *wsConn) error {
	for {
		if ws.parkable() {
			got, err := ws.poll()
			switch {
			case err != nil:
				return readError(err)
			case !got && ws.parkIdle():
				return errParked
			}
		}
		op, bp, data, err := ws.next()
		if err != nil {
			return readError(err)
		}
		if err := c.handleFrame(ws, op, bp, data); err != nil {
			return err
		}
	}
}

func readError(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ErrPingTimeout
	}
	return &TransportError{Transport: engineio.TransportWebsocket, Err: err}
}

// handleFrame handles one websocket message, read into the pooled buffer
// bp: an event OnEventPeek takes is never copied, and an ack readAck hands
// over takes the buffer along (its waiter copies what it keeps); anything
// else gets an exact-size copy, which handlers may keep.
func (c *Conn) handleFrame(ws *wsConn, op byte, bp *[]byte, data []byte) error {
	var err error
	var p engineio.Packet
	if op == opBinary {
		p = engineio.DecodeBinary(data)
	} else if p, err = engineio.DecodeText(data); err != nil {
		putBuf(bp, data)
		return fmt.Errorf("client: bad Engine.IO packet: %w", err)
	}
	if p.Type == engineio.Ping {
		_ = ws.SetReadDeadline(time.Now().Add(c.pingWindow()))
	}
	if c.peekEvent(p) {
		putBuf(bp, data)
		return nil
	}
	*bp = data
	if c.readAck(p, bp) {
		return nil // bp is the waiter's now
	}
	p.Data = bytes.Clone(p.Data)
	if p.Data == nil {
		p.Data = []byte{}
	}
	putBuf(bp, data)
	if ws.park != nil {
		return c.handlePacket(p) // a parking read goroutine ends between messages: its stack may grow
	}
	return handleDeep(c, p)
}

// readAck hands a plain ACK to its EmitWithAck from the read goroutine
// itself: acks are the round trips a run measures, and the handoff to a
// pooled goroutine and back cost a tenth of a virtual client's CPU per
// acked emit. Only the header is read here, by hand, because anything
// deeper (Decode, a JSON check) would grow every idle read goroutine's
// stack for good; the waiter checks and splits the arguments (ackReply).
// p.Data lies in the pooled buffer *buf, which goes to the waiter with it:
// no copy here, the waiter copies what it keeps and returns the buffer.
// false leaves the packet, and buf, to the caller: anything else, binary
// acks, acks nobody waits for, and Conns that observe packets.
func (c *Conn) readAck(p engineio.Packet, buf *[]byte) bool {
	d := p.Data
	if p.Type != engineio.Message || p.Binary || len(d) < 3 || d[0] != '0'+byte(socketio.Ack) ||
		c.opts.OnRaw != nil || c.opts.OnMessage != nil || c.dec != nil {
		return false
	}
	nsp, i, ok := packetNamespace(d)
	if !ok {
		return false
	}
	id, j := int64(0), i
	for ; j < len(d) && j-i < 15 && d[j] >= '0' && d[j] <= '9'; j++ {
		id = id*10 + int64(d[j]-'0')
	}
	if j == i || j == len(d) || d[j] != '[' {
		return false
	}
	s := c.socketFor(nsp)
	return s != nil && s.onAck(id, ackReply{data: d[j:], conn: c, buf: buf})
}

// Handling a packet decodes JSON, runs handlers and may write (a pong):
// deep call chains that would grow an idle read goroutine's stack for good.
// handleDeep runs handlePacket on a pooled goroutine (package deep) and
// waits for it, so that packets are still handled one at a time, in order,
// while the read goroutine itself stays shallow.
type clientPacket struct {
	c *Conn
	p engineio.Packet
}

var deepRunner *deep.Runner[clientPacket]

func init() { // not an initializer: handlePacket reaches deepRunner again (through wake)
	deepRunner = deep.New(func(x clientPacket) error { return x.c.handlePacket(x.p) })
}

func handleDeep(c *Conn, p engineio.Packet) error { return deepRunner.Run(clientPacket{c, p}) }
