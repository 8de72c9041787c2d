package client

import (
	"context"
	"fmt"

	"github.com/stampede-sio/stampede/internal/excerpt"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// Upgrade moves a polling Conn to websocket (EIO-9): it opens a websocket
// for the session, probes it with `2probe` and waits for `3probe`, lets the
// pending GET return (the server answers it with a noop) and no new one
// start, then sends `5` and reads from the websocket from then on. Writes
// made meanwhile wait for the switch and then go over the websocket.
//
// A failed probe leaves the Conn on polling and returns the error; a failure
// after polling has paused closes the Conn. PollingThenWebsocket calls
// Upgrade by itself; PollingOnly lets the caller do it.
func (c *Conn) Upgrade(ctx context.Context) error {
	p, err := c.beginUpgrade()
	if err != nil {
		return err
	}
	return c.upgrade(ctx, p)
}

// beginUpgrade claims the upgrade and counts it as a reader, so that the
// Conn does not finish while the upgrade may still start a read loop.
func (c *Conn) beginUpgrade() (*poller, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.err != nil:
		return nil, closedError(c.err)
	case c.poll == nil || c.upgrading:
		return nil, ErrNotPolling
	}
	c.upgrading = true
	c.readers++
	return c.poll, nil
}

// autoUpgrade is the background upgrade of PollingThenWebsocket; its
// reader count was taken by openPolling. Like socket.io-client, it stays on
// polling when the probe fails.
func (c *Conn) autoUpgrade(p *poller) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.handshakeTimeout())
	defer cancel()
	_ = c.upgrade(ctx, p)
}

func (c *Conn) upgrade(ctx context.Context, p *poller) error {
	defer c.readerDone()
	ctx, cancel := mergeCancel(ctx, p.ctx)
	defer cancel()
	ws, err := c.probeWebsocket(ctx, p)
	if err != nil {
		c.mu.Lock()
		c.upgrading, c.probe = false, nil
		c.mu.Unlock()
		return fmt.Errorf("client: upgrade: %w", err)
	}
	p.stop.Store(true)
	select {
	case <-p.stopped:
	case <-ctx.Done():
		err := fmt.Errorf("client: upgrade: polling did not pause: %w", ctx.Err())
		c.closeWith(err)
		return err
	}
	if err := c.switchTo(ws, p); err != nil {
		c.closeWith(err)
		return err
	}
	return nil
}

// probeWebsocket opens the session's websocket and exchanges the probe.
func (c *Conn) probeWebsocket(ctx context.Context, p *poller) (*wsConn, error) {
	ws, err := c.dialWebsocket(ctx, endpoint(p.base, engineio.TransportWebsocket, c.info.SID))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		_ = ws.Close()
		return nil, closedError(c.err)
	}
	c.probe = ws
	c.mu.Unlock()
	ping := engineio.Packet{Type: engineio.Ping, Data: []byte(engineio.Probe)}
	c.observe(Sent, ping)
	if err := ws.writeMessage(opText, engineio.AppendText(nil, ping)); err != nil {
		_ = ws.Close()
		return nil, err
	}
	pong, err := readText(ctx, ws)
	if err == nil {
		c.observe(Received, pong)
		if pong.Type != engineio.Pong || !pong.IsProbe() {
			err = fmt.Errorf("%w: got %s %s", ErrProbeFailed, pong.Type, excerpt.Of(pong.Data))
		}
	}
	if err != nil {
		_ = ws.Close()
		return nil, err
	}
	return ws, nil
}

// switchTo sends the upgrade packet and makes ws the Conn's transport, with
// writes held off, then starts the websocket read loop.
func (c *Conn) switchTo(ws *wsConn, p *poller) error {
	c.wmu.Lock()
	upgrade := engineio.Packet{Type: engineio.Upgrade}
	c.observe(Sent, upgrade)
	werr := ws.writeMessage(opText, engineio.AppendText(nil, upgrade))
	c.mu.Lock()
	cause := c.err
	if cause == nil && werr == nil {
		c.ws, c.poll, c.probe, c.upgrading = ws, nil, nil, false
		c.readers++
	}
	c.mu.Unlock()
	c.wmu.Unlock()
	switch {
	case cause != nil:
		_ = ws.Close()
		return closedError(cause)
	case werr != nil:
		_ = ws.Close()
		return &TransportError{Transport: engineio.TransportWebsocket, Err: werr}
	}
	p.cancel()
	_ = ws.SetReadDeadline(p.lastPing.Add(c.pingWindow()))
	go c.websocketLoop(ws)
	close(c.upgraded)
	return nil
}
