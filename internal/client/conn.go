package client

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// Conn is one Engine.IO connection and the Socket.IO namespaces joined over
// it. Create it with Dial. All methods are safe for concurrent use.
type Conn struct {
	opts *Options
	info engineio.OpenInfo
	dec  *socketio.Decoder // read goroutine only; only while attachments are awaited

	wmu sync.Mutex // serialises writes; held while ws/poll change
	wdl int64      // write deadline last set on ws (UnixNano, 0: none), under wmu

	mu        sync.Mutex
	ws        *wsConn // current transport when on websocket
	poll      *poller // current transport when on polling
	probe     *wsConn // websocket being probed during an upgrade
	upgrading bool
	upgraded  chan struct{}
	sockets   []*Socket // joined or joining namespaces; few, so a slice
	readers   int       // goroutines that may still deliver packets
	err       error     // why the Conn closed; nil while open
	done      chan struct{}
}

// closedChan is the Upgraded channel of connections opened on websocket.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// Dial opens an Engine.IO connection to the server at rawURL (the base, such
// as "http://127.0.0.1:8080"; the path comes from Options.Path). It returns
// once the OPEN packet has arrived (EIO-4). With PollingThenWebsocket the
// upgrade then runs in the background; Upgraded tells when it is done.
//
// To reconnect (CLIENT-3), Dial again and Connect with the same auth.
func Dial(ctx context.Context, rawURL string, opts *Options) (*Conn, error) {
	if opts == nil {
		opts = &defaultOptions
	}
	base, err := baseURL(rawURL, opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.handshakeTimeout())
	defer cancel()
	c := &Conn{opts: opts, done: make(chan struct{})}
	switch opts.Transports {
	case WebsocketOnly:
		err = c.openWebsocket(ctx, base)
	case PollingOnly, PollingThenWebsocket:
		err = c.openPolling(ctx, base)
	default:
		err = fmt.Errorf("client: unknown transports mode %d", opts.Transports)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// OpenInfo returns the server's OPEN packet: sid, upgrades, pingInterval,
// pingTimeout, maxPayload.
func (c *Conn) OpenInfo() engineio.OpenInfo { return c.info }

// Transport returns the current transport: "websocket" or "polling".
func (c *Conn) Transport() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ws != nil {
		return engineio.TransportWebsocket
	}
	return engineio.TransportPolling
}

// Upgraded is closed once the Conn runs on websocket: at once for
// WebsocketOnly, after a successful upgrade otherwise (never if the upgrade
// fails or is not offered).
func (c *Conn) Upgraded() <-chan struct{} { return c.upgraded }

// Done is closed when the Conn has closed and its goroutines have exited.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the Conn closed, or nil while it is open: ErrClosed,
// ErrServerClose, ErrPingTimeout, a *TransportError (see CloseCode), or an
// error wrapping engineio.ErrMalformed or socketio.ErrMalformed.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection (a websocket close frame 1000, or a polling
// close packet `1`) and returns after the read goroutine has exited and every
// Socket has been told (reason "io client disconnect"). It must not be called
// from a handler. It always returns nil.
func (c *Conn) Close() error {
	c.closeWith(ErrClosed)
	<-c.done
	return nil
}

// pingWindow is how long the client waits for the next ping (CLIENT-3).
func (c *Conn) pingWindow() time.Duration {
	return time.Duration(c.info.PingInterval+c.info.PingTimeout) * time.Millisecond
}

// closeWith records the first cause and closes every transport, which makes
// the readers return. The last reader to exit finishes the Conn.
// sendFailedReason is the disconnect reason of a Socket whose write
// failed: the Conn's own closure when it has closed (garbage from the
// server is a parse error, whenever the write noticed it), else the
// caller's giving up.
func (c *Conn) sendFailedReason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return reasonFor(c.err)
	}
	return ReasonClientDisconnect
}

func (c *Conn) closeWith(cause error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = cause
	ws, probe, poll := c.ws, c.probe, c.poll
	c.mu.Unlock()
	if probe != nil {
		_ = probe.Close()
	}
	if ws != nil {
		if cause == ErrClosed {
			ws.writeClose(websocket.CloseNormalClosure)
		}
		_ = ws.Close()
	}
	if poll != nil {
		if cause == ErrClosed {
			c.postClose(poll)
		}
		poll.cancel()
	}
}

// readerDone is called by every reading goroutine on exit. The last one
// after a closure tells the sockets and closes done, so that nothing is
// delivered after Done.
func (c *Conn) readerDone() {
	c.mu.Lock()
	c.readers--
	last := c.readers == 0 && c.err != nil
	var socks []*Socket
	if last {
		socks, c.sockets = c.sockets, nil
	}
	err := c.err
	c.mu.Unlock()
	if !last {
		return
	}
	reason := reasonFor(err)
	for _, s := range socks {
		s.finish(reason, err)
	}
	close(c.done)
}

// handlePacket runs one received Engine.IO packet on the read goroutine.
func (c *Conn) handlePacket(p engineio.Packet) error {
	c.observe(Received, p)
	switch p.Type {
	case engineio.Ping:
		if !c.opts.DisableAutoPong {
			c.pong(p.Data)
		}
	case engineio.Close:
		return ErrServerClose
	case engineio.Message:
		if c.opts.OnMessage != nil {
			c.opts.OnMessage(p)
			return nil
		}
		return c.handleMessage(p)
	}
	// Open, Pong, Upgrade and Noop need nothing here; OnRaw has seen them.
	return nil
}

// pong answers a ping (EIO-5). It is bounded by pingTimeout, after which the
// server gives up on us anyway, so that a stuck write cannot hold the read
// goroutine. A failed pong means a broken transport, which the read side
// reports.
func (c *Conn) pong(data []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(c.info.PingTimeout)*time.Millisecond)
	defer cancel()
	_ = c.sendControl(ctx, engineio.Pong, data)
}

// handleMessage feeds a message to the Socket.IO decoder (SIO-5, SIO-6),
// which the Conn keeps only while attachments are awaited.
func (c *Conn) handleMessage(p engineio.Packet) error {
	m, ok, err := socketio.DecodeHeld(&c.dec, nil, p.Data, p.Binary)
	if err != nil {
		return fmt.Errorf("client: bad Socket.IO packet: %w", err)
	}
	if !ok {
		return nil
	}
	return c.dispatch(m)
}

func (c *Conn) observe(d Direction, p engineio.Packet) {
	if f := c.opts.OnRaw; f != nil {
		f(d, p)
	}
}
