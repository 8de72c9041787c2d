package refserver_test

// The witnesses of the hostile-client suite (LIM-8): a canary client that
// keeps doing acked round trips while attackers misbehave, and the
// process's resources (goroutines, open files, heap) before and after.

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/procstat"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// canaryRoom is the /echo room the canary joins, where `shout` relays.
const canaryRoom = "canary"

// canary is a well-behaved client on /echo (in canaryRoom) and on the app
// namespace (in channel c0001). It does an acked round trip on /echo every
// 100 ms and checks, as Node's ws does, that every text frame it receives
// is UTF-8 (LIM-3).
type canary struct {
	conn      *client.Conn
	echo, app *client.Socket

	trips, failed atomic.Int64
	shouts, typed atomic.Int64 // relays received: shouted on /echo, events:channel on the app

	mu      sync.Mutex
	errs    []error  // failed round trips
	invalid []string // text frames that were not UTF-8

	stop chan struct{}
	done chan struct{}
}

// startCanary connects the canary (websocket) with token as its user and
// starts its round trips; they stop when the test ends.
func startCanary(t *testing.T, srv *refserver.Server, base, token string) *canary {
	t.Helper()
	c := &canary{stop: make(chan struct{}), done: make(chan struct{})}
	opts := &client.Options{Path: srv.Config().Path + "/", Transports: client.WebsocketOnly, OnRaw: c.observe}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := client.Dial(ctx, base, opts)
	require.NoError(t, err)
	c.conn = conn
	t.Cleanup(func() { conn.Close() })
	c.echo, err = conn.Connect(ctx, "/echo", nil)
	require.NoError(t, err)
	c.echo.On("shouted", func(client.Event) { c.shouts.Add(1) })
	_, err = c.echo.EmitWithAck(ctx, "join", canaryRoom)
	require.NoError(t, err)

	c.app, err = conn.Connect(ctx, webui.Namespace, map[string]string{"token": token})
	require.NoError(t, err)
	c.app.On("events:channel", func(client.Event) { c.typed.Add(1) })
	require.NoError(t, c.app.Emit(ctx, "join-channels", map[string]any{"auth": map[string]string{"token": token}}))
	hub := srv.SocketIO().Hub()
	require.Eventually(t, func() bool { return hub.Size(webui.Namespace, "channel:c0001") >= 1 },
		5*time.Second, 10*time.Millisecond, "the canary never joined channel c0001")

	go c.run()
	t.Cleanup(c.halt)
	return c
}

// observe sees every packet; a received text packet must be UTF-8.
func (c *canary) observe(dir client.Direction, p engineio.Packet) {
	if dir != client.Received || p.Binary || utf8.Valid(p.Data) {
		return
	}
	c.mu.Lock()
	c.invalid = append(c.invalid, fmt.Sprintf("%q", p.Data))
	c.mu.Unlock()
}

func (c *canary) run() {
	defer close(c.done)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		if err := c.trip(i); err != nil {
			c.failed.Add(1)
			c.mu.Lock()
			c.errs = append(c.errs, err)
			c.mu.Unlock()
		}
	}
}

// trip is one acked round trip; the ack must carry back what was sent.
func (c *canary) trip(i int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ack, err := c.echo.EmitWithAck(ctx, "message-with-ack", i)
	if err != nil {
		return fmt.Errorf("round trip %d: %w", i, err)
	}
	var got int
	if err := ack.Decode(&got); err != nil || got != i {
		return fmt.Errorf("round trip %d: ack %s (%v)", i, ack.Args, err)
	}
	c.trips.Add(1)
	return nil
}

// sync does one round trip now: whatever the server queued for the canary
// before it is delivered by the time sync returns.
func (c *canary) sync(t *testing.T) {
	t.Helper()
	require.NoError(t, c.trip(-1))
}

func (c *canary) halt() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	<-c.done
}

// check asserts that the canary is unharmed so far: connected on both
// namespaces, every round trip answered, no invalid UTF-8 seen, and a
// round trip completed since tripsBefore (waiting for one if need be).
func (c *canary) check(t *testing.T, tripsBefore int64) {
	t.Helper()
	select {
	case <-c.conn.Done():
		t.Errorf("canary: connection closed: %v", c.conn.Err())
	default:
	}
	assert.True(t, c.echo.Connected(), "canary: /echo socket disconnected (%s)", c.echo.Reason())
	assert.True(t, c.app.Connected(), "canary: app socket disconnected (%s)", c.app.Reason())
	c.mu.Lock()
	defer c.mu.Unlock()
	assert.Empty(t, c.errs, "canary: round trips that failed")
	assert.Empty(t, c.invalid, "canary: text frames that are not UTF-8 (Node's ws would close with 1007)")
	assert.Eventually(t, func() bool { return c.trips.Load() > tripsBefore }, 2*time.Second, 10*time.Millisecond,
		"canary: no round trip completed since the attack began")
}

// resources is what the process holds: the server runs in the test
// process, so its goroutines and open files are counted here.
type resources struct {
	goroutines int
	files      int   // entries of /proc/self/fd, -1 where there is none
	heap       int64 // HeapInuse after a GC
}

func measure() resources {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return resources{goroutines: runtime.NumGoroutine(), files: openFiles(), heap: int64(ms.HeapInuse)}
}

func openFiles() int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(fds)
}

// Slack for what comes and goes on its own while nothing attacks: the
// runtime's and the HTTP client's helpers, the canary's pooled goroutines.
const goroutineSlack, fileSlack = 8, 4

// settles asserts that goroutines and open files return to within slack of
// base (LIM-8) within 5 s of the attackers leaving.
func (base resources) settles(t *testing.T) {
	t.Helper()
	var now resources
	ok := assert.Eventually(t, func() bool {
		now = resources{goroutines: runtime.NumGoroutine(), files: openFiles()}
		return now.goroutines <= base.goroutines+goroutineSlack && now.files <= base.files+fileSlack
	}, 5*time.Second, 50*time.Millisecond)
	if !ok {
		t.Errorf("resources did not return to baseline: goroutines %d (baseline %d), open files %d (baseline %d)",
			now.goroutines, base.goroutines, now.files, base.files)
	}
}

// heapPeak samples HeapInuse every 10 ms until stop is called, which
// returns the highest sample.
func heapPeak() (stop func() int64) {
	return peakOf(func() int64 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapInuse)
	})
}

// rssPeak is heapPeak for the process's resident set (the server runs in
// the test process; under -race RSS includes the detector's shadow memory).
func rssPeak() (stop func() int64) { return peakOf(rss) }

// rss is the process's resident set in bytes, or 0 where it is not known.
func rss() int64 {
	v, _ := procstat.RSS()
	return v
}

// peakOf samples every 10 ms until stop is called, which returns the
// highest sample.
func peakOf(sample func() int64) (stop func() int64) {
	var peak atomic.Int64
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			if v := sample(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-quit:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return func() int64 {
		close(quit)
		<-done
		return peak.Load()
	}
}
