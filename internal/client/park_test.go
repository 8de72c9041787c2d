//go:build linux

package client

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parkedNow waits until c's websocket is parked: its read goroutine ended
// and the socket waits in the parker's epoll set.
func parkedNow(t *testing.T, c *Conn) {
	t.Helper()
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	require.NotNil(t, ws)
	require.NotNil(t, ws.park, "parking is on")
	require.Eventually(t, ws.parked.Load, waitLimit, time.Millisecond, "the idle socket is parked")
}

// dialParking dials url with ParkIdle, closes the Conn when the test ends
// and connects to "/".
func dialParking(t *testing.T, url string) (*Conn, *Socket) {
	t.Helper()
	c, err := Dial(testCtx(t), url, &Options{ParkIdle: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	s, err := c.Connect(testCtx(t), "/", nil)
	require.NoError(t, err)
	return c, s
}

// Against Node socket.io: a parked Conn gets its events, acks and the
// server's calls after every idle spell, and parks again in between.
func TestParkIdleAgainstNode(t *testing.T) {
	t.Parallel()
	t.Run("websocket", func(t *testing.T) {
		t.Parallel()
		parkedExchanges(t, dialEcho(t, &Options{ParkIdle: true}))
	})
	t.Run("after an upgrade", func(t *testing.T) { // EIO-9: the websocket read loop starts from upgrade.go
		t.Parallel()
		c := dialEcho(t, &Options{ParkIdle: true, Transports: PollingThenWebsocket})
		waitDone(t, c.Upgraded(), "upgrade")
		parkedExchanges(t, c)
	})
}

func parkedExchanges(t *testing.T, c *Conn) {
	s, _ := connectEcho(t, c, "/", nil)
	back := collect(s, "message-back")
	for i := range 3 {
		parkedNow(t, c)
		require.NoError(t, s.Emit(testCtx(t), "message", i))
		assert.JSONEq(t, fmt.Sprintf("[%d]", i), argsJSON(recv(t, back).Payload))
		parkedNow(t, c)
		p, err := s.EmitWithAck(testCtx(t), "message-with-ack", "x", i)
		require.NoError(t, err)
		assert.JSONEq(t, fmt.Sprintf(`["x",%d]`, i), argsJSON(p))
	}
	parkedNow(t, c)
	require.NoError(t, c.Close())
	waitDone(t, c.Done(), "Close of a parked Conn")
	assert.ErrorIs(t, c.Err(), ErrClosed)
}

// CLIENT-3 while parked: pings keep a parked Conn alive past many ping
// windows; without them it times out as an unparked one does.
func TestParkedPingTimeout(t *testing.T) {
	t.Parallel()
	const open = `0{"sid":"fake","upgrades":[],"pingInterval":100,"pingTimeout":50,"maxPayload":1000}`
	t.Run("pinged", func(t *testing.T) {
		t.Parallel()
		// A window of 500 ms for pings every 200 ms: a loaded machine
		// (CI, -race) may delay a ping, not by a whole window.
		const open = `0{"sid":"fake","upgrades":[],"pingInterval":200,"pingTimeout":300,"maxPayload":1000}`
		stop := make(chan struct{})
		url := wsServer(t, func(ws *websocket.Conn) {
			send(ws, open)
			answerConnect(ws)
			tick := time.NewTicker(200 * time.Millisecond)
			defer tick.Stop()
			for range 10 {
				select {
				case <-tick.C:
					send(ws, "2")
				case <-stop:
					return
				}
			}
			<-stop
		})
		t.Cleanup(func() { close(stop) }) // after the Conn's close: cleanups run last first
		c, _ := dialParking(t, url)
		select {
		case <-c.Done():
			t.Fatalf("a pinged parked Conn ended: %v", c.Err())
		case <-time.After(1500 * time.Millisecond): // three ping windows
		}
		parkedNow(t, c)
		waitDone(t, c.Done(), "CLIENT-3: dead once the pings stop")
		assert.ErrorIs(t, c.Err(), ErrPingTimeout)
	})
	t.Run("silent", func(t *testing.T) {
		t.Parallel()
		url := wsServer(t, func(ws *websocket.Conn) {
			send(ws, open)
			answerConnect(ws) // and never a ping
		})
		c, s := dialParking(t, url)
		waitDone(t, s.Disconnected(), "CLIENT-3: dead without pings")
		assert.ErrorIs(t, c.Err(), ErrPingTimeout)
		assert.Equal(t, ReasonPingTimeout, s.Reason())
	})
}

// A server that drops the connection while the Conn is parked ends it
// with a transport error, as a read would.
func TestParkedServerGone(t *testing.T) {
	t.Parallel()
	gone := make(chan struct{})
	url := wsServer(t, func(ws *websocket.Conn) {
		send(ws, fakeOpen)
		answerConnect(ws)
		<-gone
		_ = ws.NetConn().Close()
	})
	c, _ := dialParking(t, url)
	parkedNow(t, c)
	close(gone)
	waitDone(t, c.Done(), "a parked Conn whose server went away")
	var te *TransportError
	assert.ErrorAs(t, c.Err(), &te)
}

// Bursts to many parked Conns at once: every event arrives, in order,
// whether a burst finds its Conn parked or still reading.
func TestParkedBursts(t *testing.T) {
	t.Parallel()
	const conns, bursts, per = 40, 6, 25
	url := wsServer(t, func(ws *websocket.Conn) {
		send(ws, fakeOpen)
		answerConnect(ws)
		_, _, _ = ws.ReadMessage() // "ready": the client listens
		n := 0
		for b := range bursts {
			time.Sleep(time.Duration(b%3) * 7 * time.Millisecond)
			for range per {
				send(ws, fmt.Sprintf(`42["n",%d]`, n))
				n++
			}
		}
	})
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			c, err := Dial(testCtx(t), url, &Options{ParkIdle: true})
			if !assert.NoError(t, err) {
				return
			}
			defer c.Close()
			s, err := c.Connect(testCtx(t), "/", nil)
			if !assert.NoError(t, err) {
				return
			}
			got := make(chan Event, bursts*per)
			s.On("n", func(e Event) { got <- e })
			if !assert.NoError(t, s.Emit(testCtx(t), "ready")) {
				return
			}
			for want := range bursts * per {
				select {
				case ev := <-got:
					if !assert.JSONEq(t, fmt.Sprintf("[%d]", want), argsJSON(ev.Payload)) {
						return
					}
				case <-time.After(waitLimit):
					t.Errorf("event %d not within %v", want, waitLimit)
					return
				}
			}
		})
	}
	wg.Wait()
}

// A server that lies or dawdles while the Conn is parked: a frame that
// arrives a byte at a time wakes it, and it reads the rest waiting as an
// unparked Conn does; a masked (broken) frame wakes it and ends it with a
// protocol error, as an unparked Conn would.
func TestParkedHostileServer(t *testing.T) {
	t.Parallel()
	t.Run("byte by byte", func(t *testing.T) {
		t.Parallel()
		start := make(chan struct{})
		url := wsServer(t, func(ws *websocket.Conn) {
			send(ws, fakeOpen)
			answerConnect(ws)
			_, _, _ = ws.ReadMessage() // "ready"
			<-start
			for _, b := range serverFrame(0x81, []byte(`42["n",1]`)) {
				if _, err := ws.NetConn().Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(2 * time.Millisecond)
			}
		})
		c, s := dialParking(t, url)
		got := collect(s, "n")
		require.NoError(t, s.Emit(testCtx(t), "ready"))
		parkedNow(t, c)
		close(start)
		assert.JSONEq(t, `[1]`, argsJSON(recv(t, got).Payload))
		parkedNow(t, c)
	})
	t.Run("masked frame", func(t *testing.T) {
		t.Parallel()
		start := make(chan struct{})
		url := wsServer(t, func(ws *websocket.Conn) {
			send(ws, fakeOpen)
			answerConnect(ws)
			<-start
			_, _ = ws.NetConn().Write([]byte{0x81, 0x81, 1, 2, 3, 4, 'x'})
		})
		c, _ := dialParking(t, url)
		parkedNow(t, c)
		close(start)
		waitDone(t, c.Done(), "a parked Conn sent a broken frame")
		assert.ErrorContains(t, c.Err(), "protocol error")
	})
}
