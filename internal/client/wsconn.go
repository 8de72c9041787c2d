package client

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Websocket frame opcodes the reader meets (RFC 6455 section 5.2), beside
// opText and opBinary.
const (
	opContinuation = 0x0
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

// maxMessage bounds one message from the server: a larger one (or a frame
// header announcing one) closes the connection with 1009 instead of
// growing a buffer without end.
const maxMessage = 64 << 20

// errMessageTooBig is the read error of a message over maxMessage.
var errMessageTooBig = fmt.Errorf("client: websocket: message over %d MiB", maxMessage>>20)

// readPool lends read buffers: a websocket on a plain TCP socket holds one
// only while bytes it has read wait to be parsed, so an idle connection
// holds none.
var readPool = sync.Pool{New: func() any { b := make([]byte, readBufSize); return &b }}

// readBufSize holds a burst of small frames (fan-out) in one read; payloads
// that do not fit are read straight into their message's buffer.
const readBufSize = 4 << 10

// wsConn is a client websocket after its handshake (RFC 6455). gorilla
// dials it; frames are then read here and written by the Conn (appendFrame),
// past gorilla. Its reader holds no buffer while it waits: on a TCP socket it
// waits through syscall.RawConn and takes a pooled buffer only when the
// socket has bytes, which keeps an idle virtual client about 2 KiB smaller
// than gorilla's reader did with its Conn, its bufio.Reader and a read
// goroutine whose stack it grew (BenchmarkVUMemory). Reads are the read
// goroutine's alone; a pong goes out between the Conn's writes (writePong),
// a close frame directly, as the connection ends.
type wsConn struct {
	nc   net.Conn
	raw  syscall.RawConn // nc's, when nc is a plain TCP socket; nil otherwise
	c    *Conn           // answers pings
	buf  *[]byte         // from readPool: (*buf)[r:w] read and not yet parsed; nil when empty (raw only)
	r, w int
	rerr error                 // what rawRead met
	rfn  func(fd uintptr) bool // rawRead as a func value, made once

	// Parking (Options.ParkIdle): between messages, with nothing read,
	// the read goroutine hands the socket to the parker and ends; wake
	// starts a new one on a readable socket, the read deadline passing
	// (timer) or Close. parked says who owns the reading: whoever swaps
	// it to false starts the goroutine.
	park     *parker // nil: parking is off
	parked   atomic.Bool
	slot     uint32 // in the parker's table, while hasSlot
	hasSlot  bool
	armed    bool // the socket is in the parker's epoll set
	deadline time.Time
	timer    *time.Timer // wakes the parked socket at timerAt
	timerAt  time.Time
	timerDue atomic.Bool           // timer is set and has not fired
	tryfn    func(fd uintptr) bool // rawRead that never waits
}

func newWSConn(nc net.Conn, rest []byte, c *Conn) *wsConn {
	ws := &wsConn{nc: nc, c: c}
	if sc, ok := nc.(*net.TCPConn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			ws.raw, ws.rfn = raw, ws.rawRead
			if c.opts.ParkIdle {
				ws.park = sharedParker()
				ws.tryfn = func(fd uintptr) bool { ws.rawRead(fd); return true }
			}
		}
	}
	if len(rest) > 0 || ws.raw == nil {
		ws.buf = readPool.Get().(*[]byte)
		if len(rest) > len(*ws.buf) {
			ws.buf = &rest
		}
		ws.w = copy(*ws.buf, rest)
	}
	return ws
}

// SetReadDeadline bounds the reads, a parked wait included.
func (ws *wsConn) SetReadDeadline(t time.Time) error {
	ws.deadline = t
	return ws.nc.SetReadDeadline(t)
}

// Close closes the TCP (or TLS) connection; the read goroutine, if any,
// returns from its read with an error, and a parked one is woken to.
func (ws *wsConn) Close() error {
	err := ws.nc.Close()
	ws.wake()
	return err
}

// parkable tells whether the read goroutine may end while the socket is
// idle: parking is on and nothing read waits to be parsed.
func (ws *wsConn) parkable() bool {
	if ws.park == nil || ws.buf != nil && ws.r < ws.w {
		return false
	}
	if ws.buf != nil {
		readPool.Put(ws.buf)
		ws.buf = nil
	}
	return true
}

// poll reads what the socket has without waiting; false when it had
// nothing. An expired read deadline is an error, as in fill.
func (ws *wsConn) poll() (bool, error) {
	ws.rerr = nil
	if err := ws.raw.Read(ws.tryfn); err != nil {
		return false, err
	}
	return ws.buf != nil, ws.rerr
}

// parkIdle hands the socket to the parker: true when the read goroutine
// must now end (a wake starts the next), false when parking failed and the
// goroutine reads on, waiting as without parking.
func (ws *wsConn) parkIdle() bool {
	ws.parked.Store(true) // before timerDue is read: see timerFired
	if !ws.deadline.IsZero() && (!ws.deadline.Equal(ws.timerAt) || !ws.timerDue.Load()) {
		// Set once per deadline (a ping moves it), not once per park.
		ws.timerAt = ws.deadline
		ws.timerDue.Store(true)
		if ws.timer == nil {
			ws.timer = time.AfterFunc(time.Until(ws.deadline), ws.timerFired)
		} else {
			ws.timer.Reset(time.Until(ws.deadline))
		}
	}
	if err := ws.park.arm(ws); err != nil && ws.parked.CompareAndSwap(true, false) {
		return false
	}
	return true
}

// timerFired wakes the socket at its deadline. A socket not parked then
// parks again later with the same deadline: timerDue, false from now on,
// makes that park set the timer again.
func (ws *wsConn) timerFired() {
	ws.timerDue.Store(false)
	ws.wake()
}

// wake starts a read goroutine for a parked socket; a no-op otherwise. A
// stray wake (a timer that fired as the socket was re-parked) costs one
// read that finds nothing, and the goroutine parks again.
func (ws *wsConn) wake() {
	if ws.park != nil && ws.parked.CompareAndSwap(true, false) {
		go ws.c.websocketLoop(ws)
	}
}

// unpark ends parking for good, as the read loop ends.
func (ws *wsConn) unpark() {
	if ws.timer != nil {
		ws.timer.Stop()
	}
	if ws.park != nil {
		ws.park.release(ws)
	}
}

// writeMessage writes one data frame, outside the Conn's writes (the probe
// exchange, which no other write can meet).
func (ws *wsConn) writeMessage(op byte, payload []byte) error {
	bp := bufPool.Get().(*[]byte)
	b := appendFrame((*bp)[:0], op, payload)
	_, err := ws.nc.Write(b)
	putBuf(bp, b)
	return err
}

// writeClose sends a close frame with code (none for 1005), bounded by a
// second, as the connection goes down: its write deadline is not the Conn's
// business any more. A write of the Conn in flight is not cut in two: the
// socket keeps whole writes apart.
func (ws *wsConn) writeClose(code int) {
	var payload []byte
	if code != websocket.CloseNoStatusReceived {
		payload = binary.BigEndian.AppendUint16(nil, uint16(code))
	}
	_ = ws.nc.SetWriteDeadline(time.Now().Add(time.Second))
	_ = ws.writeMessage(opClose, payload)
}

// protocolError closes the connection with 1002 (RFC 6455 section 7.4.1)
// and says what the server broke.
func (ws *wsConn) protocolError(what string) error {
	ws.writeClose(websocket.CloseProtocolError)
	return fmt.Errorf("client: websocket: protocol error: %s", what)
}

// next reads the next data message whole, into a buffer of bufPool that the
// caller gives back with putBuf(bp, data) or hands on. On the way it answers
// pings, skips pongs, and ends at a close frame, echoed, with a
// *websocket.CloseError. Broken framing closes the connection with 1002.
func (ws *wsConn) next() (op byte, bp *[]byte, data []byte, err error) {
	for {
		h, err := ws.header()
		if err != nil {
			if bp != nil {
				putBuf(bp, data)
			}
			return 0, nil, nil, err
		}
		switch {
		case h.op >= opClose:
			err = ws.control(h)
		case h.op == opContinuation && bp == nil:
			err = ws.protocolError("continuation frame outside a message")
		case h.op == opText || h.op == opBinary:
			if bp != nil {
				err = ws.protocolError("new message inside a fragmented one")
				break
			}
			op, bp = h.op, bufPool.Get().(*[]byte)
			data = (*bp)[:0]
		case h.op != opContinuation:
			err = ws.protocolError(fmt.Sprintf("opcode %d", h.op))
		}
		if err == nil && h.op < opClose {
			if int64(len(data))+h.n > maxMessage {
				ws.writeClose(websocket.CloseMessageTooBig)
				err = errMessageTooBig
			} else {
				data, err = ws.payload(data, int(h.n))
			}
		}
		switch {
		case err != nil:
			if bp != nil {
				putBuf(bp, data)
			}
			return 0, nil, nil, err
		case h.fin && h.op < opClose:
			return op, bp, data, nil
		}
	}
}

type frameHeader struct {
	fin bool
	op  byte
	n   int64 // payload length
}

// header reads and checks one frame header (RFC 6455 section 5.2).
func (ws *wsConn) header() (frameHeader, error) {
	if err := ws.need(2); err != nil {
		return frameHeader{}, err
	}
	b := (*ws.buf)[ws.r:ws.w]
	h := frameHeader{fin: b[0]&0x80 != 0, op: b[0] & 0x0f, n: int64(b[1] & 0x7f)}
	switch {
	case b[0]&0x70 != 0:
		return h, ws.protocolError("reserved bits set") // no extension was negotiated
	case b[1]&0x80 != 0:
		return h, ws.protocolError("masked frame from the server") // section 5.1
	}
	size := 2
	switch h.n {
	case 126:
		size = 4
	case 127:
		size = 10
	}
	if err := ws.need(size); err != nil {
		return h, err
	}
	b = (*ws.buf)[ws.r:ws.w]
	switch size {
	case 4:
		h.n = int64(binary.BigEndian.Uint16(b[2:]))
	case 10:
		u := binary.BigEndian.Uint64(b[2:])
		if u > maxMessage {
			ws.writeClose(websocket.CloseMessageTooBig)
			return h, errMessageTooBig
		}
		h.n = int64(u)
	}
	ws.r += size
	return h, nil
}

// control handles a control frame: a ping is answered, a pong skipped, and
// a close echoed and returned as a *websocket.CloseError.
func (ws *wsConn) control(h frameHeader) error {
	if !h.fin || h.n > 125 {
		return ws.protocolError("fragmented or long control frame") // section 5.5
	}
	if err := ws.need(int(h.n)); err != nil {
		return err
	}
	p := (*ws.buf)[ws.r : ws.r+int(h.n)]
	ws.r += int(h.n)
	switch h.op {
	case opPing:
		return ws.c.writePong(ws, p)
	case opPong:
		return nil
	case opClose:
		code, text := websocket.CloseNoStatusReceived, ""
		switch {
		case len(p) == 1:
			return ws.protocolError("one-byte close payload")
		case len(p) >= 2:
			code, text = int(binary.BigEndian.Uint16(p)), string(p[2:])
			switch {
			case !sendableCloseCode(code):
				return ws.protocolError(fmt.Sprintf("close code %d", code))
			case !utf8.ValidString(text):
				return ws.protocolError("close reason not UTF-8")
			}
		}
		ws.writeClose(code)
		return &websocket.CloseError{Code: code, Text: text}
	}
	return ws.protocolError(fmt.Sprintf("opcode %d", h.op))
}

// sendableCloseCode tells a code an endpoint may put in a close frame (RFC
// 6455 section 7.4: 1004-1006 and 1015 are reserved for reporting, below
// 1000 and 1016-2999 unassigned), and so may be echoed.
func sendableCloseCode(code int) bool {
	switch {
	case code >= 3000 && code <= 4999:
		return true
	case code < 1000 || code > 1014:
		return false
	}
	return code < 1004 || code > 1006
}

// payload appends the next n payload bytes to data: those already read,
// then straight from the socket into data's buffer.
func (ws *wsConn) payload(data []byte, n int) ([]byte, error) {
	if ws.buf != nil {
		k := min(n, ws.w-ws.r)
		data = append(data, (*ws.buf)[ws.r:ws.r+k]...)
		ws.r += k
		n -= k
	}
	for n > 0 {
		if len(data) == cap(data) { // grow by what arrived so far, not by what the header claims
			data = slices.Grow(data, min(n, max(cap(data), 4096)))
		}
		k, err := ws.nc.Read(data[len(data):min(cap(data), len(data)+n)])
		data = data[:len(data)+k]
		n -= k
		if err != nil && n > 0 {
			return data, err
		}
	}
	return data, nil
}

// need makes the read buffer hold at least n unparsed bytes (n is at most
// a frame header or a control frame's payload: well under its size).
func (ws *wsConn) need(n int) error {
	for ws.buf == nil || ws.w-ws.r < n {
		if ws.buf != nil && len(*ws.buf)-ws.r < n { // no room after r: move the rest to the front
			ws.w = copy(*ws.buf, (*ws.buf)[ws.r:ws.w])
			ws.r = 0
		}
		if err := ws.fill(); err != nil {
			return err
		}
	}
	return nil
}

// fill reads what the socket has into the read buffer (at least a byte).
func (ws *wsConn) fill() error {
	if ws.raw == nil {
		n, err := ws.nc.Read((*ws.buf)[ws.w:])
		ws.w += n
		if n > 0 {
			return nil // err, if any, comes again with the next read
		}
		return err
	}
	ws.rerr = nil
	if err := ws.raw.Read(ws.rfn); err != nil {
		return err // a read deadline (the ping timeout), or the socket closed
	}
	return ws.rerr
}

// rawRead is the syscall.RawConn read: it reads into the read buffer,
// taking one from readPool, and when the socket is empty gives the buffer
// back if it holds nothing unparsed before the goroutine parks.
func (ws *wsConn) rawRead(fd uintptr) bool {
	if ws.buf == nil {
		ws.buf, ws.r, ws.w = readPool.Get().(*[]byte), 0, 0
	}
	for {
		n, err := syscall.Read(int(fd), (*ws.buf)[ws.w:])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			if ws.r == ws.w {
				readPool.Put(ws.buf)
				ws.buf = nil
			}
			return false
		case err != nil:
			ws.rerr = os.NewSyscallError("read", err)
		case n == 0:
			ws.rerr = io.EOF
		default:
			ws.w += n
		}
		return true
	}
}

// headerConn is the TCP (or TLS) connection under gorilla's handshake. It
// hands gorilla's buffered reader the response up to the blank line that
// ends its header and keeps what follows (the first frames, which a server
// may send in the same segment as its 101) for the wsConn, which reads
// past gorilla. After the header it passes reads through (a refusal's body).
type headerConn struct {
	net.Conn
	state int // 1: just after '\n'; 2: after "\n\r"
	done  bool
	rest  []byte
}

func (h *headerConn) Read(p []byte) (int, error) {
	if h.done {
		if len(h.rest) > 0 {
			n := copy(p, h.rest)
			h.rest = h.rest[n:]
			return n, nil
		}
		return h.Conn.Read(p)
	}
	n, err := h.Conn.Read(p)
	for i, c := range p[:n] {
		switch {
		case c == '\n' && h.state > 0: // "\n\n" or "\n\r\n": the header's end
			h.done, h.rest = true, append([]byte(nil), p[i+1:n]...)
			return i + 1, nil
		case c == '\n':
			h.state = 1
		case c == '\r' && h.state == 1:
			h.state = 2
		default:
			h.state = 0
		}
	}
	return n, err
}

// wsDialer returns gorilla's dial functions for ws:// and wss://, which
// leave the connection they make, a headerConn, in *hc. For wss it does the TLS
// handshake itself (as gorilla would, ServerName from the address), so
// that the headerConn lies over TLS and sees plain HTTP.
func (o *Options) wsDialer(hc **headerConn) (plain, secure func(ctx context.Context, network, addr string) (net.Conn, error)) {
	dial := o.netDial()
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	plain = func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		*hc = &headerConn{Conn: nc}
		return *hc, nil
	}
	secure = func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cfg := &tls.Config{}
		if o.TLSConfig != nil {
			cfg = o.TLSConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(addr)
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = nc.Close()
			return nil, err
		}
		*hc = &headerConn{Conn: tc}
		return *hc, nil
	}
	return plain, secure
}
