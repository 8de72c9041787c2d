package limits

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
)

func lim4Cases() []check.Case {
	const req = "Connect timeout: an Engine.IO session that has not completed a Socket.IO CONNECT to any namespace within `--connect-timeout` (default 45 s, Node's `connectTimeout`) is closed."
	return each("LIM-4/never-connect", req+" (The session answers every ping and never sends CONNECT; the case waits 50 s.)", caseTime,
		func(r *run, tr transport) {
			c := r.dial(tr, "client A (never connects)", true)
			if !c.waitClosed(longWait) {
				r.t.Skip(fmt.Sprintf("the session was still open after %s: the target's connect timeout, if it has one, is longer than this case's bound (the refserver: serve --connect-timeout 2s)", longWait))
			}
			r.t.Logf("closed: %s", c.why())
		})
}

func lim5Cases() []check.Case {
	const req = "HTTP: a request's headers must be complete within `--read-header-timeout` (default 10 s), or the TCP connection is closed; an idle keep-alive connection is closed after `--idle-timeout` (default 60 s); headers over 1 MiB get 431. A held polling GET is not idle."
	return []check.Case{
		one("LIM-5/header-stalled", req+" (Half a request line and header, then nothing; the case waits 50 s.)", caseTime,
			func(r *run) { slowHeader(r, 0) }),
		one("LIM-5/header-trickle", req+" (A header that grows by one byte every 500 ms; the case waits 50 s.)", caseTime,
			func(r *run) { slowHeader(r, 500*time.Millisecond) }),
		one("LIM-5/idle-keepalive", req+" (A complete request with keep-alive, then nothing; the case waits 50 s.)", caseTime, idleKeepAlive),
		one("LIM-5/header-too-large", req+" (A request whose headers are 1 MiB + 64 KiB.)", 0, hugeHeader),
	}
}

// dialTCP opens a TCP (or TLS) connection to the target, closed when the
// case ends, failing the case when it cannot.
func (r *run) dialTCP() net.Conn {
	c, err := r.tryDialTCP()
	if err != nil {
		r.t.Failf("a TCP connection to the target", "%v", err)
	}
	return c
}

// tryDialTCP is dialTCP returning the error; it may run on any goroutine.
func (r *run) tryDialTCP() (net.Conn, error) {
	u := r.t.Target.URL
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	if r.conns.Add(1) > maxConns {
		return nil, errBound
	}
	ctx, cancel := context.WithTimeout(r.t.Context(), check.Wait)
	defer cancel()
	var c net.Conn
	var err error
	if u.Scheme == "https" {
		c, err = (&tls.Dialer{Config: &tls.Config{ServerName: u.Hostname()}}).DialContext(ctx, "tcp", host)
	} else {
		c, err = (&net.Dialer{}).DialContext(ctx, "tcp", host)
	}
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(r.t.Context(), func() { c.Close() })
	r.t.Cleanup(func() {
		stop()
		c.Close()
	})
	return c, nil
}

// requestHead is the start of a polling handshake request at the target's
// Socket.IO path, without the blank line that ends the headers.
func (r *run) requestHead() string {
	return "GET " + r.t.Target.Path + "?EIO=4&transport=polling HTTP/1.1\r\nHost: " + r.t.Target.URL.Host + "\r\n"
}

// closedWithin reads and drops what the target sends until it closes the
// connection (true) or d passes with the connection open (false).
func closedWithin(c net.Conn, d time.Duration) (bool, string) {
	_ = c.SetReadDeadline(time.Now().Add(d))
	var got strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if got.Len() < 200 {
			got.Write(buf[:min(n, 200)])
		}
		var ne net.Error
		switch {
		case err == nil:
		case errors.As(err, &ne) && ne.Timeout():
			return false, got.String()
		default:
			return true, got.String()
		}
	}
}

// slowHeader sends part of a request's headers, then every interval one
// more byte of a header value (never when interval is zero), and waits for
// the target to close the connection.
func slowHeader(r *run, interval time.Duration) {
	c := r.dialTCP()
	if _, err := io.WriteString(c, r.requestHead()+"X-Stampede-Slow: "); err != nil {
		r.t.Failf("the start of a request to be sent", "%v", err)
	}
	if interval > 0 {
		go func() { // ends when the connection is closed, at the latest when the case ends
			for {
				time.Sleep(interval)
				if _, err := c.Write([]byte("a")); err != nil {
					return
				}
			}
		}()
	}
	closed, got := closedWithin(c, longWait)
	if !closed {
		r.t.Skip(fmt.Sprintf("the connection was still open after %s: the target's read-header timeout, if it has one, is longer than this case's bound (the refserver: serve --read-header-timeout 2s)", longWait))
	}
	r.t.Logf("closed; it sent %q", got)
}

func idleKeepAlive(r *run) {
	c := r.dialTCP()
	if _, err := io.WriteString(c, r.requestHead()+"Connection: keep-alive\r\n\r\n"); err != nil {
		r.t.Failf("a request to be sent", "%v", err)
	}
	_ = c.SetReadDeadline(time.Now().Add(check.Wait))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		r.t.Failf("an answer to the handshake request", "%v", err)
	}
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		r.t.Failf("the answer's body", "%v", err)
	}
	r.t.Logf("HTTP %d, Connection: %q", resp.StatusCode, resp.Header.Get("Connection"))
	closed, _ := closedWithin(readerConn{c, br}, longWait)
	if !closed {
		r.t.Skip(fmt.Sprintf("the idle keep-alive connection was still open after %s: the target's idle timeout, if it has one, is longer than this case's bound (the refserver: serve --idle-timeout 2s)", longWait))
	}
}

// readerConn reads through a bufio.Reader that may hold bytes already read.
type readerConn struct {
	net.Conn
	r *bufio.Reader
}

func (c readerConn) Read(b []byte) (int, error) { return c.r.Read(b) }

func hugeHeader(r *run) {
	c := r.dialTCP()
	const size = 1<<20 + 64<<10
	written := make(chan error, 1)
	go func() { // the target may answer and close before it has read it all
		var b strings.Builder
		b.WriteString(r.requestHead())
		pad := strings.Repeat("a", 8000)
		for i := 0; b.Len() < size; i++ {
			fmt.Fprintf(&b, "X-Stampede-Pad-%d: %s\r\n", i, pad)
		}
		b.WriteString("\r\n")
		r.sent.Add(int64(b.Len()))
		_, err := io.WriteString(c, b.String())
		written <- err
	}()
	_ = c.SetReadDeadline(time.Now().Add(2 * check.Wait))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close() // ends a write the target stopped reading
		r.t.Failf("HTTP 431 for headers of 1 MiB + 64 KiB", "no answer: %v (writing: %v)", err, <-written)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		r.t.Failf("HTTP 431 for headers of 1 MiB + 64 KiB", "HTTP %d", resp.StatusCode)
	}
	c.Close()
	<-written
}
