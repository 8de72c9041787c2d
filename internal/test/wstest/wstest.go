package wstest

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// Frame is one websocket message from the server.
type Frame struct {
	Binary bool
	Data   string
}

// Client is one websocket connection with its read loop.
type Client struct {
	Conn *websocket.Conn
	// Pings counts the pings answered (with autoPong).
	Pings atomic.Int32
	// Discard makes the read loop count frames in Dropped instead of
	// handing them to Next.
	Discard atomic.Bool
	Dropped atomic.Int64

	autoPong bool
	wait     time.Duration
	wmu      sync.Mutex
	in       chan Frame
	quit     chan struct{}
	done     chan struct{}
	err      error // the read loop's error, once done is closed
}

// Dial opens a websocket to rawURL and starts its read loop; wait bounds
// every write and every Next. The connection is closed when the test ends.
func Dial(tb testing.TB, rawURL string, h http.Header, autoPong bool, wait time.Duration) *Client {
	tb.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(rawURL, h)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		tb.Fatalf("websocket dial %s: %v", rawURL, err)
	}
	c := &Client{Conn: conn, autoPong: autoPong, wait: wait, in: make(chan Frame, 1024),
		quit: make(chan struct{}), done: make(chan struct{})}
	go c.readLoop()
	tb.Cleanup(c.Close)
	return c
}

func (c *Client) readLoop() {
	defer close(c.done)
	for {
		mt, data, err := c.Conn.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		if c.autoPong && mt == websocket.TextMessage && string(data) == "2" {
			c.Pings.Add(1)
			if c.Write(websocket.TextMessage, "3") != nil {
				return
			}
			continue
		}
		if c.Discard.Load() {
			c.Dropped.Add(1)
			continue
		}
		select {
		case c.in <- Frame{mt == websocket.BinaryMessage, string(data)}:
		case <-c.quit:
			return
		}
	}
}

// Close closes the connection and waits for the read loop.
func (c *Client) Close() {
	select {
	case <-c.quit:
	default:
		close(c.quit)
	}
	c.Conn.Close()
	<-c.done
}

// Write sends one message of type mt (websocket.TextMessage or
// websocket.BinaryMessage).
func (c *Client) Write(mt int, data string) error { return c.WriteBytes(mt, []byte(data)) }

// WriteBytes is Write without the copy: data may be shared between clients
// (it is masked in the connection's own buffer).
func (c *Client) WriteBytes(mt int, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.Conn.SetWriteDeadline(time.Now().Add(c.wait))
	return c.Conn.WriteMessage(mt, data)
}

// Next returns the next frame; it fails the test when the connection ends
// or nothing comes in time.
func (c *Client) Next(tb testing.TB) Frame {
	tb.Helper()
	select {
	case m := <-c.in:
		return m
	case <-c.done:
		select {
		case m := <-c.in:
			return m
		default:
		}
		tb.Fatalf("connection ended while waiting for a message: %v", c.err)
	case <-time.After(c.wait):
		tb.Fatal("no message from the server")
	}
	return Frame{}
}

// Ended waits for the connection to end, skipping frames, and returns the
// read error (a *websocket.CloseError when the server sent a close frame).
func (c *Client) Ended(tb testing.TB) error {
	tb.Helper()
	_, err := c.Rest(tb)
	return err
}

// Rest returns the frames that arrive until the connection ends, and the
// read error that ended it; it fails the test when the connection is still
// open after wait.
func (c *Client) Rest(tb testing.TB) ([]Frame, error) {
	tb.Helper()
	var got []Frame
	timeout := time.After(c.wait)
	for {
		select {
		case m := <-c.in:
			got = append(got, m)
		case <-c.done:
			for {
				select {
				case m := <-c.in:
					got = append(got, m)
				default:
					return got, c.err
				}
			}
		case <-timeout:
			tb.Fatalf("the server did not close the connection (%d frames came meanwhile)", len(got))
			return got, nil
		}
	}
}

// CloseCode is the close code in err, or -1 when there is none.
func CloseCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}

// ParseOpen decodes an OPEN packet.
func ParseOpen(tb testing.TB, s string) engineio.OpenInfo {
	tb.Helper()
	p, err := engineio.DecodeText([]byte(s))
	if err != nil {
		tb.Fatalf("OPEN packet %q: %v", s, err)
	}
	info, err := engineio.ParseOpen(p)
	if err != nil {
		tb.Fatalf("OPEN packet %q: %v", s, err)
	}
	return info
}

// Quiet waits d and returns nil when nothing came and the connection is
// still open, else what happened.
func (c *Client) Quiet(d time.Duration) error {
	select {
	case <-c.done:
		return fmt.Errorf("the connection ended: %v", c.err)
	case m := <-c.in:
		return fmt.Errorf("got %q (binary %v)", m.Data, m.Binary)
	case <-time.After(d):
		return nil
	}
}
