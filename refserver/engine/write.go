package engine

import (
	"encoding/binary"
	"errors"
	"net"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"
)

// The websocket write path (issue 16). A session's queued frames go out in
// one writev per batch, framed here rather than by gorilla/websocket (which
// would copy each frame into its write buffer and write it on its own), with
// one write deadline per batch. Server frames are unmasked (RFC 6455 §5.1),
// so a frame is a 2–10 byte header followed by the payload as queued; a
// frame queued to many sessions can carry its header already (Framed).
// Writes on the connection stay whole: a net.Conn serialises Write and
// writev calls, so gorilla's WriteControl (close frames) never lands inside
// a frame of ours.

// maxHeader is the longest header of an unmasked websocket frame.
const maxHeader = 10

const (
	opText   = 1
	opBinary = 2
	finBit   = 0x80
)

// appendHeader appends the header of a final, unmasked frame of n bytes.
func appendHeader(dst []byte, binaryFrame bool, n int) []byte {
	op := byte(opText)
	if binaryFrame {
		op = opBinary
	}
	switch {
	case n < 126:
		return append(dst, finBit|op, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(dst, finBit|op, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, finBit|op, 127), uint64(n))
	}
}

// Framed returns f with its websocket header built in front of its data,
// once: a broadcast frames its message once rather than once per member.
// Polling sessions use Data as before.
func (f Frame) Framed() Frame {
	if f.wire != nil {
		return f
	}
	wire := appendHeader(make([]byte, 0, maxHeader+len(f.Data)), f.Binary, len(f.Data))
	h := len(wire)
	wire = append(wire, f.Data...)
	return Frame{Binary: f.Binary, Data: wire[h:], wire: wire}
}

// batch is the scratch of one batch write: the frames' headers and the
// vectors handed to writev. Batches are pooled, so an idle session holds
// none (the memory goal of ≤ 8 KiB per idle session).
type batch struct {
	heads []byte
	iov   [][]byte
	bytes int // payload bytes, for Stats.BytesOut
}

var batches = sync.Pool{New: func() any { return new(batch) }}

// frameBatch frames the queued frames of s into a pooled batch.
func (s *Session) frameBatch(frames []Frame) *batch {
	b := batches.Get().(*batch)
	// Every header fits in heads as grown here, so the slices of it that
	// iov holds stay valid while later headers are appended.
	b.heads = slices.Grow(b.heads[:0], maxHeader*len(frames))
	b.iov, b.bytes = b.iov[:0], 0
	for _, f := range frames {
		if f.Binary && s.srv.cfg.BinaryAsText {
			f = Frame{Data: base64Message(f.Data)}
		}
		b.bytes += len(f.Data)
		if f.wire != nil {
			b.iov = append(b.iov, f.wire)
			continue
		}
		start := len(b.heads)
		b.heads = appendHeader(b.heads, f.Binary, len(f.Data))
		b.iov = append(b.iov, b.heads[start:len(b.heads):len(b.heads)])
		if len(f.Data) > 0 {
			b.iov = append(b.iov, f.Data)
		}
	}
	return b
}

func (b *batch) release() {
	clear(b.iov) // the pool must not keep frames alive
	b.iov = b.iov[:0]
	if cap(b.iov) > 1024 || cap(b.heads) > maxHeader*1024 {
		return // a rare big batch: let it go rather than pin it in the pool
	}
	batches.Put(b)
}

// writeBlocking writes iov in full, waiting for the client up to
// WriteTimeout. The deadline is cleared afterwards, so that tryWrite's
// attempts, which set none, do not meet a stale one. It calls writev(2)
// itself rather than through net.Buffers, because Go's poll.FD keeps the
// vector array of its largest writev for the life of the socket, which an
// idle session would pay for.
func (s *Session) writeBlocking(conn net.Conn, iov [][]byte) error {
	conn.SetWriteDeadline(time.Now().Add(s.srv.cfg.WriteTimeout))
	rc := rawConn(conn)
	if rc == nil {
		bufs := net.Buffers(iov)
		_, err := bufs.WriteTo(conn)
		return err
	}
	var werr error
	err := rc.Write(func(fd uintptr) bool {
		for len(iov) > 0 {
			n, err := writev(fd, iov)
			switch {
			case err == syscall.EAGAIN:
				return false // wait until the socket takes more, or the deadline
			case err == syscall.EINTR:
				continue
			case err != nil:
				werr = err
				return true
			}
			iov = consume(iov, n)
		}
		return true
	})
	if err == nil {
		err = werr
	}
	if err == nil {
		conn.SetWriteDeadline(time.Time{})
	}
	return err
}

// rawConn is conn's file descriptor access, or nil for a connection
// without one of its own.
func rawConn(conn net.Conn) syscall.RawConn {
	sc, ok := conn.(syscall.Conn)
	if !ok || !haveWritev {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// tryWrite writes what of iov the socket takes now, without waiting, and
// returns the rest: nil when all went out.
func tryWrite(conn net.Conn, iov [][]byte) (rest [][]byte, err error) {
	rc := rawConn(conn)
	if rc == nil {
		return iov, nil
	}
	var n int
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		n, werr = writev(fd, iov)
		return true // never wait here: the caller hands the rest on
	})
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return iov, nil // a deadline another write left: the blocking path sets its own
	case err != nil:
		return nil, err
	case werr == syscall.EAGAIN || werr == syscall.EINTR:
		return iov, nil
	case werr != nil:
		return nil, werr
	}
	return consume(iov, n), nil
}

// consume drops the first n bytes of iov.
func consume(iov [][]byte, n int) [][]byte {
	for len(iov) > 0 && n >= len(iov[0]) {
		n -= len(iov[0])
		iov = iov[1:]
	}
	if len(iov) > 0 && n > 0 {
		iov[0] = iov[0][n:]
	}
	if len(iov) == 0 {
		return nil
	}
	return iov
}
