package broker_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/test/redistest"
	"github.com/stampede-sio/stampede/internal/token"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/broker"
	"github.com/stampede-sio/stampede/refserver/refservertest"
	"github.com/stampede-sio/stampede/refserver/webui"
)

var secret = []byte("stampede-broker-test")

// instance is one refserver in Redis mode on a channel of its own.
type instance struct {
	url     string
	srv     *refserver.Server
	channel string
}

func start(t *testing.T, shared bool) instance {
	t.Helper()
	redistest.Need(t, redistest.Shared)
	ch := redistest.Name("socketio-test-")
	srv, url := refservertest.Start(t, refserver.Config{
		Secret: secret, RedisURL: redistest.Shared, RedisChannel: ch, RedisKeyPrefix: redistest.Name("stampede-test-"),
		RedisSharedChannel: shared, Population: webui.Generate(webui.Sizes{Users: 20, Channels: 1, Notes: 1}),
	})
	refservertest.Subscribed(t, srv)
	return instance{url: url, srv: srv, channel: ch}
}

// events connects user to "/" and collects the events it receives.
func events(t *testing.T, base, user string) (*client.Socket, func() []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := client.Dial(ctx, base, &client.Options{Path: "/ws/socket.io/", Transports: client.WebsocketOnly})
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	sock := conn.Socket("/")
	var mu sync.Mutex
	var got []string
	sock.OnAny(func(ev client.Event) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev.Name+" "+string(ev.Args[0]))
	})
	tok, err := token.Mint(secret, user, time.Hour, time.Now())
	require.NoError(t, err)
	require.NoError(t, sock.Connect(ctx, map[string]string{"token": tok}))
	return sock, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

func subscribe(t *testing.T, patterns ...string) <-chan *redis.Message {
	t.Helper()
	rc := redistest.Client(t, redistest.Shared)
	ps := rc.PSubscribe(context.Background(), patterns...)
	t.Cleanup(func() { ps.Close() })
	_, err := ps.Receive(context.Background())
	require.NoError(t, err)
	return ps.Channel()
}

func publish(t *testing.T, channel, payload string) {
	t.Helper()
	rc := redistest.Client(t, redistest.Shared)
	require.NoError(t, rc.Publish(context.Background(), channel, payload).Err())
}

// SCALE-1: an emit to a room goes out as python-socketio's JSON message on
// the room's channel {channel}#{namespace}#{room}.
func TestPublishedMessageShape(t *testing.T) {
	t.Parallel()
	in := start(t, false)
	msgs := subscribe(t, in.channel+"*")
	sock, _ := events(t, in.url, "u000002")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, sock.Emit(ctx, "events:chat", map[string]any{"chat_id": "c1", "data": map[string]string{"type": "last_read_at"}}))
	select {
	case m := <-msgs:
		assert.Equal(t, in.channel+"#/#user:u000002", m.Channel)
		var got map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(m.Payload), &got))
		assert.JSONEq(t, `"emit"`, string(got["method"]))
		assert.JSONEq(t, `"events"`, string(got["event"]))
		assert.JSONEq(t, `"/"`, string(got["namespace"]))
		assert.JSONEq(t, `"user:u000002"`, string(got["room"]))
		assert.Contains(t, string(got["data"]), `"chat:list"`, "data is the one argument, as python-socketio sends it")
		assert.NotEmpty(t, got["host_id"])
	case <-time.After(5 * time.Second):
		t.Fatal("nothing published")
	}
}

// WEBSOCKET_REDIS_ROOM_CHANNELS=false: everything goes on the one channel.
func TestSharedChannel(t *testing.T) {
	t.Parallel()
	in := start(t, true)
	msgs := subscribe(t, in.channel+"*")
	sock, _ := events(t, in.url, "u000003")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, sock.Emit(ctx, "events:chat", map[string]any{"chat_id": "c1", "data": map[string]string{"type": "last_read_at"}}))
	select {
	case m := <-msgs:
		assert.Equal(t, in.channel, m.Channel)
	case <-time.After(5 * time.Second):
		t.Fatal("nothing published")
	}
}

// SCALE-1: messages another host publishes, in python-socketio's shapes,
// reach the local members of the room, skip_sid honoured; messages for
// rooms without local members are skipped undecoded; garbage is counted,
// never a crash.
func TestReceive(t *testing.T) {
	t.Parallel()
	in := start(t, false)
	a, gotA := events(t, in.url, "u000004")
	_, gotB := events(t, in.url, "u000004")
	st := brokerStats(t, in)

	publish(t, in.channel+"#/#user:u000004", `{"method":"emit","event":"events","data":{"n":1},"namespace":"/","room":"user:u000004","skip_sid":null,"callback":null,"host_id":"python-host"}`)
	require.Eventually(t, func() bool { return len(gotA()) == 1 && len(gotB()) == 1 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, `events {"n":1}`, gotA()[0])

	skip, _ := json.Marshal(a.ID())
	publish(t, in.channel, `{"method":"emit","event":"events","data":{"n":2},"namespace":"/","room":["user:u000004","user:u000099"],"skip_sid":`+string(skip)+`,"host_id":"python-host"}`)
	require.Eventually(t, func() bool { return len(gotB()) == 2 }, 5*time.Second, 10*time.Millisecond)
	assert.Len(t, gotA(), 1, "skip_sid is skipped")

	skipped := st.Skipped.Load()
	publish(t, in.channel+"#/#user:u000010", `{"method":"emit","event":"events","data":{"n":3},"namespace":"/","room":"user:u000010","host_id":"python-host"}`)
	require.Eventually(t, func() bool { return st.Skipped.Load() > skipped }, 5*time.Second, 10*time.Millisecond, "no local member: skipped")

	bad := st.BadMessages.Load()
	publish(t, in.channel, `{not json`)
	publish(t, in.channel, `{"method":"emit","event":"events","room":{"no":"rooms"},"host_id":"python-host"}`)
	require.Eventually(t, func() bool { return st.BadMessages.Load() >= bad+2 }, 5*time.Second, 10*time.Millisecond)

	publish(t, in.channel, `{"method":"disconnect","sid":`+string(skip)+`,"namespace":"/","host_id":"python-host"}`)
	select {
	case <-a.Disconnected():
		assert.Equal(t, "io server disconnect", a.Reason())
	case <-time.After(5 * time.Second):
		t.Fatal("a disconnect message from another host disconnects the local socket")
	}
}

func brokerStats(t *testing.T, in instance) *broker.Stats {
	t.Helper()
	st := in.srv.BrokerStats()
	require.NotNil(t, st)
	return st
}

// New refuses a missing client and a channel with '#'.
func TestNewErrors(t *testing.T) {
	t.Parallel()
	_, err := broker.New(broker.Config{})
	assert.Error(t, err)
	rc := redistest.Client(t, redistest.Shared)
	_, err = broker.New(broker.Config{Client: rc, Channel: "a#b"})
	assert.ErrorContains(t, err, "#")
}

// CHAT-2 across hosts: an emit with python-socketio's callback [sid, nsp,
// id] from another host reaches the local socket with an ack id, and its
// ack goes back as {"method":"callback","host_id":<that host>,"id",
// "args"}.
func TestAnswersAnotherHostsCall(t *testing.T) {
	t.Parallel()
	in := start(t, false)
	sock, _ := events(t, in.url, "u000005")
	sock.On("events", func(ev client.Event) { ev.Ack(map[string]string{"reply": "hi"}) })
	msgs := subscribe(t, in.channel)
	sid, _ := json.Marshal(sock.ID())
	publish(t, in.channel+"#/#"+sock.ID(), `{"method":"emit","event":"events","data":{"chat_id":"c"},"namespace":"/","room":`+string(sid)+`,"callback":[`+string(sid)+`,"/",7],"host_id":"python-host"}`)
	select {
	case m := <-msgs:
		var got struct {
			Method string          `json:"method"`
			HostID string          `json:"host_id"`
			ID     int64           `json:"id"`
			Args   json.RawMessage `json:"args"`
		}
		require.NoError(t, json.Unmarshal([]byte(m.Payload), &got), m.Payload)
		assert.Equal(t, "callback", got.Method)
		assert.Equal(t, "python-host", got.HostID, "addressed to the caller")
		assert.EqualValues(t, 7, got.ID)
		assert.JSONEq(t, `[{"reply":"hi"}]`, string(got.Args))
	case <-time.After(5 * time.Second):
		t.Fatal("no callback published")
	}
}

// Call reaches a socket of another instance and returns its ack; a sid
// no instance holds times out.
func TestCallAcrossInstances(t *testing.T) {
	t.Parallel()
	redistest.Need(t, redistest.Shared)
	ch, prefix := redistest.Name("socketio-test-"), redistest.Name("stampede-test-")
	var urls []string
	var brokers []*broker.Broker
	for range 2 {
		srv, url := refservertest.Start(t, refserver.Config{
			Secret: secret, RedisURL: redistest.Shared, RedisChannel: ch, RedisKeyPrefix: prefix,
			Population: webui.Generate(webui.Sizes{Users: 20, Channels: 1, Notes: 1}),
		})
		refservertest.Subscribed(t, srv)
		urls = append(urls, url)
		brokers = append(brokers, srv.Broker())
	}
	sock, _ := events(t, urls[1], "u000006")
	sock.On("events", func(ev client.Event) { ev.Ack("answered", 2) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	args, err := brokers[0].Call(ctx, "/", sock.ID(), "events", map[string]string{"chat_id": "c"})
	require.NoError(t, err)
	assert.JSONEq(t, `["answered",2]`, string(args))

	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = brokers[0].Call(ctx, "/", "no-such-sid", "events", 1)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
