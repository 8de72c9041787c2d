package refserver

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/engine"
	"github.com/stampede-sio/stampede/refserver/sio"
	"github.com/stampede-sio/stampede/refserver/webui"
)

func TestFaultParsing(t *testing.T) {
	t.Parallel()
	var f Faults
	for _, v := range []string{"accept-bad-tokens", "drop-acks", "no-ping", "leak-user-rooms", "echo-typing-to-others-only", "delay-events=150ms", "delay-events-above=10"} {
		require.NoError(t, f.Set(v), v)
	}
	assert.Equal(t, Faults{
		Engine: engine.Faults{NoPing: true},
		SIO:    sio.Faults{DropAcks: true, EventDelay: 150 * time.Millisecond, EventDelayAbove: 10},
		App:    webui.Faults{AcceptBadTokens: true, LeakUserRooms: true, EchoTypingToOthersOnly: true},
	}, f)
	for _, bad := range []string{"nope", "drop-acks=1", "delay-events", "delay-events=-1s", "delay-events=soon", "delay-events-above=0", "delay-events-above=x"} {
		assert.ErrorIs(t, f.Set(bad), ErrConfig, bad)
	}
}

// Each limit of section 12 has a fault that removes it.
func TestLimitFaultNames(t *testing.T) {
	t.Parallel()
	var f Faults
	for _, v := range []string{"no-attachment-limit", "no-placeholder-check", "accept-invalid-utf8",
		"no-connect-timeout", "no-http-timeouts", "no-queue-limit"} {
		require.NoError(t, f.Set(v), v)
		assert.Contains(t, FaultNames(), v)
	}
	assert.Equal(t, Faults{
		Engine: engine.Faults{AcceptInvalidUTF8: true, NoQueueLimit: true},
		Limits: LimitFaults{NoAttachmentLimit: true, NoPlaceholderCheck: true, NoConnectTimeout: true, NoHTTPTimeouts: true},
	}, f)
	assert.ErrorIs(t, f.Set("no-queue-limit=1"), ErrConfig)
}

// drop-acks breaks SIO-4 / ECHO-4: message-with-ack gets no ACK.
func TestFaultDropAcks(t *testing.T) {
	t.Parallel()
	_, hs := echoServer(t, Config{Faults: Faults{SIO: sio.Faults{DropAcks: true}}})
	c := dialEcho(t, hs.URL, "/ws/socket.io/", true)
	c.connect(t, "/echo", "")
	c.text(t) // the auth event (ECHO-2)
	c.send(t, `42/echo,1["message-with-ack","x"]`)
	c.send(t, `42/echo,["message","after"]`)
	assert.Equal(t, `42/echo,["message-back","after"]`, c.text(t), "the ack never came; the next event did")
}

// no-ping breaks EIO-5: no ping arrives within pingInterval + pingTimeout.
func TestFaultNoPing(t *testing.T) {
	t.Parallel()
	_, hs := echoServer(t, Config{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond, Faults: Faults{Engine: engine.Faults{NoPing: true}}})
	c := dialEcho(t, hs.URL, "/ws/socket.io/", true)
	time.Sleep(300 * time.Millisecond)
	assert.Zero(t, c.Pings.Load(), "pings with the fault on")

	_, hs2 := echoServer(t, Config{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond})
	c2 := dialEcho(t, hs2.URL, "/ws/socket.io/", true)
	require.Eventually(t, func() bool { return c2.Pings.Load() > 0 }, echoWait, 10*time.Millisecond, "control: pings without the fault")
}

// delay-events holds every event before its handler, in order.
func TestFaultDelayEvents(t *testing.T) {
	t.Parallel()
	_, hs := echoServer(t, Config{Faults: Faults{SIO: sio.Faults{EventDelay: 150 * time.Millisecond}}})
	c := dialEcho(t, hs.URL, "/ws/socket.io/", true)
	c.connect(t, "/echo", "")
	c.text(t)
	start := time.Now()
	c.send(t, `42/echo,["message",1]`)
	c.send(t, `42/echo,["message",2]`)
	assert.Equal(t, `42/echo,["message-back",1]`, c.text(t))
	assert.Equal(t, `42/echo,["message-back",2]`, c.text(t))
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "two events, each delayed 150ms")
}

// Every name of the table sets something, and no two names set the same
// thing: the table is the one place that maps names to the layers' fields.
func TestEveryFaultSetsItsOwnField(t *testing.T) {
	t.Parallel()
	args := map[string]string{"enforce-payload": "=999", "delay-events": "=1s", "delay-events-above": "=10", "drop-event": "=heartbeat"}
	seen := map[string]string{}
	for _, name := range FaultNames() {
		var f Faults
		require.NoError(t, f.Set(name+args[name]), name)
		assert.NotEqual(t, Faults{}, f, "%s sets nothing", name)
		got := fmt.Sprintf("%+v", f)
		assert.NotContains(t, seen, got, "%s sets what %s sets", name, seen[got])
		seen[got] = name
	}
}

// delay-events-above: the delay only while more sockets than the bound
// are connected.
func TestFaultDelayEventsAbove(t *testing.T) {
	t.Parallel()
	_, hs := echoServer(t, Config{Faults: Faults{SIO: sio.Faults{EventDelay: 200 * time.Millisecond, EventDelayAbove: 1}}})
	c := dialEcho(t, hs.URL, "/ws/socket.io/", true)
	c.connect(t, "/echo", "")
	c.text(t)
	start := time.Now()
	c.send(t, `42/echo,["message",1]`)
	assert.Equal(t, `42/echo,["message-back",1]`, c.text(t))
	assert.Less(t, time.Since(start), 150*time.Millisecond, "one socket: not above the bound")

	c2 := dialEcho(t, hs.URL, "/ws/socket.io/", true)
	c2.connect(t, "/echo", "")
	c2.text(t)
	start = time.Now()
	c.send(t, `42/echo,["message",2]`)
	assert.Equal(t, `42/echo,["message-back",2]`, c.text(t))
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond, "two sockets: above it, delayed")
}
