package limits

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// transport is how a conn reaches the target.
type transport string

const (
	websocketTr transport = engineio.TransportWebsocket
	pollingTr   transport = engineio.TransportPolling
)

// transports are the variants of a transport-sensitive case.
var transports = []transport{websocketTr, pollingTr}

// require skips the case unless the target serves tr at its Socket.IO path.
func (tr transport) require(t *check.T) {
	served := t.Target.Websocket
	if tr == pollingTr {
		served = t.Target.Polling
	}
	if !served {
		t.Skip(fmt.Sprintf("the target does not serve %s at %s", tr, t.Target.Path))
	}
}

// anyTransport is websocket when the target serves it, else polling.
func anyTransport(t *check.T) transport {
	switch {
	case t.Target.Websocket:
		return websocketTr
	case t.Target.Polling:
		return pollingTr
	}
	t.Skip("the target answers no Engine.IO handshake at " + t.Target.Path)
	return ""
}

// endpoint is the URL of the Socket.IO path with the handshake query.
func endpoint(t *check.T, scheme string, tr transport) string {
	u := *t.Target.URL
	u.Scheme = scheme
	u.Path = t.Target.Path
	u.RawQuery = url.Values{"EIO": {"4"}, "transport": {string(tr)}}.Encode()
	return u.String()
}

// tryDial opens a conn over tr. A websocket with read=false is never read
// from (a slow consumer): pings go unanswered unless the case answers them.
func tryDial(t *check.T, tr transport, name string, sent *atomic.Int64, read bool) (*conn, error) {
	c := newConn(t, name, sent)
	if tr == pollingTr {
		return c, c.openPolling(read)
	}
	return c, c.openWS(read)
}

// openWS dials the websocket and reads the OPEN packet.
func (c *conn) openWS(read bool) error {
	scheme := "ws"
	if c.t.Target.URL.Scheme == "https" {
		scheme = "wss"
	}
	d := websocket.Dialer{HandshakeTimeout: check.Wait}
	ctx, cancel := context.WithTimeout(c.t.Context(), check.Wait)
	defer cancel()
	ws, _, err := d.DialContext(ctx, endpoint(c.t, scheme, websocketTr), nil)
	if err != nil {
		return err
	}
	ws.SetReadLimit(16 << 20)
	_ = ws.SetReadDeadline(time.Now().Add(check.Wait))
	_, data, err := ws.ReadMessage()
	if err == nil {
		var p engineio.Packet
		if p, err = engineio.DecodeText(data); err == nil {
			c.info, err = engineio.ParseOpen(p)
		}
	}
	if err != nil {
		ws.Close()
		return fmt.Errorf("websocket handshake: %w", err)
	}
	_ = ws.SetReadDeadline(time.Time{})
	c.ws = ws
	ws.SetPongHandler(func(string) error {
		select {
		case c.pongs <- struct{}{}:
		default:
		}
		return nil
	})
	readerDone := make(chan struct{})
	c.t.Cleanup(func() {
		ws.Close()
		<-readerDone
	})
	if !read {
		close(readerDone)
		return nil
	}
	go func() {
		defer close(readerDone)
		c.readWS()
	}()
	return nil
}

// readWS is the websocket's read goroutine.
func (c *conn) readWS() {
	for c.readOnce() {
	}
}

// readOnce reads and handles one websocket message; false when the
// connection has ended. A conn dialled with read=false is read this way, on
// the case goroutine, under a read deadline (see readUntil).
func (c *conn) readOnce() bool {
	mt, data, err := c.ws.ReadMessage()
	if err != nil {
		code := -1
		var ce *websocket.CloseError
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			c.end(fmt.Errorf("nothing came before the read deadline: %v", err), code)
			return false
		case errors.As(err, &ce):
			code = ce.Code
		}
		c.end(fmt.Errorf("%w: %v", errClosed, err), code)
		return false
	}
	var p engineio.Packet
	if mt == websocket.BinaryMessage {
		p = engineio.DecodeBinary(data)
	} else if p, err = engineio.DecodeText(data); err != nil {
		p = engineio.Packet{Type: engineio.Message, Data: data} // kept for the UTF-8 check and the log
	}
	c.t.Logf("%s < %s", c.name, clip(engineio.AppendText(nil, p)))
	if !c.add(p) {
		// What Node's ws client does with a text frame that is not UTF-8.
		_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, ""), time.Now().Add(time.Second))
		c.end(errors.New("the target sent a text frame that is not UTF-8 (a ws client closes with 1007)"), -1)
		c.ws.Close()
		return false
	}
	return c.onPacket(p)
}

// readUntil reads an unread websocket on the case goroutine until a packet
// received since from matches, for at most d; after a timeout the
// websocket can no longer be read (gorilla's rule).
func (c *conn) readUntil(from int, d time.Duration, match func(engineio.Packet) bool) bool {
	_ = c.ws.SetReadDeadline(time.Now().Add(d))
	defer c.ws.SetReadDeadline(time.Time{})
	for c.readOnce() {
		for _, p := range c.received(from) {
			if match(p) {
				return true
			}
		}
	}
	return false
}

// onPacket answers pings and notices a close packet; false ends the reader.
func (c *conn) onPacket(p engineio.Packet) bool {
	switch {
	case p.Binary:
	case p.Type == engineio.Ping:
		_ = c.send(text(engineio.Pong, string(p.Data)))
	case p.Type == engineio.Close:
		c.end(fmt.Errorf("%w: close packet `1`", errClosed), -1)
		return false
	}
	return true
}

// writeWS writes one frame per packet; wmu is held.
func (c *conn) writeWS(pkts []engineio.Packet) error {
	for _, p := range pkts {
		_ = c.ws.SetWriteDeadline(time.Now().Add(check.Wait))
		mt, data := websocket.TextMessage, p.Data
		if p.Binary {
			mt = websocket.BinaryMessage
		} else {
			data = engineio.AppendText(nil, p)
		}
		c.sent.Add(int64(len(data)))
		if c.sent.Load() < 1<<20 { // the log keeps the start of a flood, not all of it
			c.t.Logf("%s > %s", c.name, clip(engineio.AppendText(nil, p)))
		}
		if err := c.ws.WriteMessage(mt, data); err != nil {
			return err
		}
	}
	return nil
}

// poller carries one polling session's requests.
type poller struct {
	ctx context.Context
	hc  *http.Client
	url string // with the sid
}

// openPolling performs the handshake GET and starts the GET loop unless
// read is false (then the case polls with getOnce).
func (c *conn) openPolling(read bool) error {
	ctx, cancel := context.WithCancel(c.t.Context())
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	p := &poller{ctx: ctx, hc: &http.Client{Transport: tr}}
	loopDone := make(chan struct{})
	c.t.Cleanup(func() {
		cancel()
		<-loopDone
		tr.CloseIdleConnections()
	})
	body, err := p.do(http.MethodGet, endpoint(c.t, c.t.Target.URL.Scheme, pollingTr), nil)
	var pkts []engineio.Packet
	if err == nil {
		pkts, err = engineio.DecodePayload(body)
	}
	if err == nil && len(pkts) > 0 {
		c.info, err = engineio.ParseOpen(pkts[0])
	} else if err == nil {
		err = errors.New("empty handshake body")
	}
	if err != nil {
		close(loopDone)
		return fmt.Errorf("polling handshake: %w", err)
	}
	p.url = endpoint(c.t, c.t.Target.URL.Scheme, pollingTr) + "&sid=" + url.QueryEscape(c.info.SID)
	c.poll = p
	for _, pkt := range pkts[1:] {
		c.add(pkt)
	}
	if !read {
		close(loopDone)
		return nil
	}
	go func() {
		defer close(loopDone)
		c.getLoop()
	}()
	return nil
}

// getLoop is the polling session's read goroutine: one GET after another.
func (c *conn) getLoop() {
	for c.getOnce() {
	}
}

// getOnce runs one GET and handles what it brings; false when the session
// has ended.
func (c *conn) getOnce() bool {
	body, err := c.poll.do(http.MethodGet, c.poll.url, nil)
	if err != nil {
		c.end(fmt.Errorf("%w: GET: %v", errClosed, err), -1)
		return false
	}
	pkts, err := engineio.DecodePayload(body)
	if err != nil {
		c.add(engineio.Packet{Type: engineio.Message, Data: body})
		c.end(fmt.Errorf("unparsable GET body %s: %v", clip(body), err), -1)
		return false
	}
	for _, p := range pkts {
		c.t.Logf("%s < %s", c.name, clip(engineio.AppendText(nil, p)))
		if !c.add(p) {
			c.end(errors.New("the target sent a polling body that is not UTF-8"), -1)
			return false
		}
		if !c.onPacket(p) {
			return false
		}
	}
	return true
}

// post sends one payload; anything but 200 is a *statusError.
func (p *poller) post(body []byte) error {
	_, err := p.do(http.MethodPost, p.url, body)
	return err
}

// do runs one request and returns the body of a 200 answer (at most 16 MiB).
func (p *poller) do(method, rawURL string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(p.ctx, method, rawURL, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{status: resp.StatusCode, body: strings.ToValidUTF8(string(b[:min(len(b), 200)]), "?")}
	}
	return b, err
}
