package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// poller is the long-polling transport of a Conn (EIO-8).
type poller struct {
	client *http.Client
	header http.Header
	base   *url.URL // for the upgrade's websocket URL
	url    string   // polling URL with the sid

	ctx    context.Context // cancelled when the Conn closes or upgrades
	cancel context.CancelFunc

	stop     atomic.Bool   // set by an upgrade: no new GET
	stopped  chan struct{} // closed when the GET loop has paused for it
	lastPing time.Time     // GET loop only; read by the upgrade after stopped
}

const (
	textContentType   = "text/plain;charset=UTF-8"
	binaryContentType = "application/octet-stream"
	maxErrorBody      = 4096
)

// openPolling performs the polling handshake and starts the GET loop, and
// the background upgrade for PollingThenWebsocket.
func (c *Conn) openPolling(ctx context.Context, base *url.URL) error {
	p := &poller{client: c.opts.httpClient(), header: c.opts.Header, base: base, stopped: make(chan struct{})}
	body, err := p.do(ctx, http.MethodGet, endpoint(base, engineio.TransportPolling, ""), nil, "")
	if err != nil {
		return fmt.Errorf("client: polling handshake: %w", err)
	}
	pkts, err := engineio.DecodePayload(body)
	if err == nil {
		c.observe(Received, pkts[0])
		c.info, err = engineio.ParseOpen(pkts[0])
	}
	if err != nil {
		return fmt.Errorf("client: polling handshake: %w", err)
	}
	p.url = endpoint(base, engineio.TransportPolling, c.info.SID)
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.lastPing = time.Now()
	c.poll = p
	c.upgraded = make(chan struct{})
	c.readers = 1
	auto := c.opts.Transports == PollingThenWebsocket && offers(c.info.Upgrades, engineio.TransportWebsocket)
	if auto {
		c.upgrading = true
		c.readers++
	}
	go c.pollLoop(p, pkts[1:])
	if auto {
		go c.autoUpgrade(p)
	}
	return nil
}

func offers(upgrades []string, transport string) bool {
	for _, u := range upgrades {
		if u == transport {
			return true
		}
	}
	return false
}

// pollLoop is the read goroutine of a polling Conn. It returns without
// closing the Conn when an upgrade pauses it.
func (c *Conn) pollLoop(p *poller, pending []engineio.Packet) {
	if err := c.readPolling(p, pending); err != nil {
		c.closeWith(err)
	} else {
		close(p.stopped)
	}
	c.readerDone()
}

// readPolling handles packets and issues the next GET until an error or an
// upgrade. Each GET's deadline is the ping timeout (CLIENT-3).
func (c *Conn) readPolling(p *poller, pending []engineio.Packet) error {
	for {
		for _, pk := range pending {
			if pk.Type == engineio.Ping {
				p.lastPing = time.Now()
			}
			if err := c.handlePacket(pk); err != nil {
				return err
			}
		}
		if p.stop.Load() {
			return nil
		}
		body, err := p.get(p.lastPing.Add(c.pingWindow()))
		if err != nil {
			return err
		}
		if pending, err = engineio.DecodePayload(body); err != nil {
			return fmt.Errorf("client: bad polling payload: %w", err)
		}
	}
}

// get runs one long-polling GET with a deadline.
func (p *poller) get(deadline time.Time) ([]byte, error) {
	ctx, cancel := context.WithDeadline(p.ctx, deadline)
	defer cancel()
	body, err := p.do(ctx, http.MethodGet, p.url, nil, "")
	if err != nil && p.ctx.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, ErrPingTimeout
	}
	return body, err
}

// post sends one payload. A non-200 answer is returned to the writer but
// does not close the Conn: Node keeps the session after a 413 (EIO-10), and
// the GET loop notices a session that is gone.
func (p *poller) post(ctx context.Context, body []byte, contentType string) error {
	ctx, cancel := mergeCancel(ctx, p.ctx)
	defer cancel()
	// net/http may read a request body after Do returns (an early 413),
	// so the body must not be a buffer the caller reuses.
	_, err := p.do(ctx, http.MethodPost, p.url, bytes.Clone(body), contentType)
	return err
}

// do runs one request and returns the body of a 200 answer.
func (p *poller) do(ctx context.Context, method, rawURL string, body []byte, contentType string) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, err
	}
	if len(p.header) > 0 {
		req.Header = p.header.Clone()
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, &TransportError{Transport: engineio.TransportPolling, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, &TransportError{Transport: engineio.TransportPolling, Err: &HTTPError{StatusCode: resp.StatusCode, Body: b}}
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &TransportError{Transport: engineio.TransportPolling, Err: err}
	}
	return b, nil
}

// postClose sends the close packet `1` when Close is called on polling; the
// server answers the pending GET with a noop (EIO-8). Close must not wait
// behind a write that may never finish, so when one is in flight the close
// goes beside it: Node then closes the session for the overlap instead.
func (c *Conn) postClose(p *poller) {
	ctx, cancel := context.WithTimeout(p.ctx, time.Second)
	defer cancel()
	if c.wmu.TryLock() {
		defer c.wmu.Unlock()
	}
	c.observe(Sent, engineio.Packet{Type: engineio.Close})
	_ = p.post(ctx, []byte{'0' + byte(engineio.Close)}, textContentType)
}

// mergeCancel returns a context done when either ctx or other is done.
func mergeCancel(ctx, other context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(other, cancel)
	return ctx, func() {
		stop()
		cancel()
	}
}
