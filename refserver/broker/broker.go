package broker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stampede-sio/stampede/internal/protocol/socketio"
	"github.com/stampede-sio/stampede/refserver/sio"
)

// Config sets up a Broker. Client is required; the rest have defaults.
type Config struct {
	Client redis.UniversalClient
	// Channel is python-socketio's channel name, "socketio".
	Channel string
	// RoomChannels publishes each single-room emit on its own channel
	// `{Channel}#{namespace}#{room}` (WEBSOCKET_REDIS_ROOM_CHANNELS, on by
	// default upstream), so that instances without members in the room skip
	// it without decoding it.
	RoomChannels bool
	// HostID names this instance in messages; default random.
	HostID string
	Logger *slog.Logger
	// QueueSize bounds the publications waiting for Redis (default 65536);
	// beyond it they are dropped and counted, never blocking a socket. A
	// publication that fails is retried, not dropped.
	QueueSize int
	// MaxRetryWait caps the wait between subscription attempts, and between
	// attempts to publish, while Redis is unreachable (default 5s; the first
	// wait is 100ms, doubling).
	MaxRetryWait time.Duration
	Faults       Faults
}

// Faults break the broker for the conformance suite's SCALE cases; the
// refserver's --fault names for them are in refserver/faults.go.
type Faults struct {
	NoPublish     bool // SCALE-1: nothing is published; other instances' sockets miss every emit
	SyncPublish   bool // SCALE-3: each publication waits for Redis on the emitting goroutine, unbounded, so a stalled Redis stalls the instance's event handling
	NoResubscribe bool // SCALE-3: a lost subscription is never renewed; cross-instance delivery does not resume
}

// Stats are the broker's counters, exported at /metrics (SCALE-3: a lost
// Redis is visible).
type Stats struct {
	Published     atomic.Uint64 // messages Redis accepted
	PublishErrors atomic.Uint64 // publications that failed and were retried (Redis refused, stalled or was unreachable)
	Dropped       atomic.Uint64 // messages dropped because the queue was full: the only ones lost
	Received      atomic.Uint64 // messages from other instances handled
	Skipped       atomic.Uint64 // room messages for rooms without local members
	BadMessages   atomic.Uint64 // messages that could not be decoded
	Reconnects    atomic.Uint64 // subscription losses
	Subscribed    atomic.Bool   // the subscription is live
}

// Broker joins a sio.Server to the other instances of a deployment over
// Redis pub/sub (SCALE-1). It implements sio.Adapter.
type Broker struct {
	cfg      Config
	log      *slog.Logger
	srv      *sio.Server
	queue    chan outbound
	handlers map[string]func(json.RawMessage)
	stats    Stats
	errLog   rateLog

	callMu  sync.Mutex
	calls   map[int64]chan json.RawMessage // our calls to sockets of other instances, by callback id
	callSeq int64
	// CallTimeout bounds how long this instance waits for one of its own
	// sockets to ack a call from another instance (default 5 minutes).
	callTimeout time.Duration
}

type outbound struct {
	channel string
	payload []byte
}

var _ sio.Adapter = (*Broker)(nil)

// New returns a Broker; Attach it to the server, then Run it.
func New(cfg Config) (*Broker, error) {
	if cfg.Client == nil {
		return nil, errors.New("broker: no Redis client")
	}
	if cfg.Channel == "" {
		cfg.Channel = "socketio"
	}
	if strings.Contains(cfg.Channel, "#") {
		return nil, fmt.Errorf("broker: channel %q contains '#'", cfg.Channel)
	}
	if cfg.HostID == "" {
		var b [16]byte
		rand.Read(b[:])
		cfg.HostID = hex.EncodeToString(b[:])
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 1 << 16
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = 5 * time.Second
	}
	return &Broker{
		cfg: cfg, log: cfg.Logger, queue: make(chan outbound, cfg.QueueSize),
		handlers: map[string]func(json.RawMessage){}, calls: map[int64]chan json.RawMessage{},
		callTimeout: 5 * time.Minute,
	}, nil
}

// Attach makes the broker srv's Adapter and the recipient of other
// instances' emits and disconnects.
func (b *Broker) Attach(srv *sio.Server) {
	b.srv = srv
	srv.SetAdapter(b)
}

// Handle registers fn for messages whose method is method (application
// messages, e.g. the app layer's "stampede:app"). Call it before Run.
func (b *Broker) Handle(method string, fn func(json.RawMessage)) { b.handlers[method] = fn }

// HostID is this instance's id in messages.
func (b *Broker) HostID() string { return b.cfg.HostID }

// Stats returns the live counters.
func (b *Broker) Stats() *Stats { return &b.stats }

// message is python-socketio's pub/sub message (pubsub_manager), JSON
// flavour, with stampede's additions: Args for an emit with other than one
// argument, Attachments for binary parts, Body for application messages.
type message struct {
	Method    string          `json:"method"`
	Event     string          `json:"event,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
	Namespace string          `json:"namespace,omitempty"`
	Room      json.RawMessage `json:"room,omitempty"`
	SkipSID   json.RawMessage `json:"skip_sid,omitempty"`
	Callback  json.RawMessage `json:"callback,omitempty"`
	SID       string          `json:"sid,omitempty"`
	HostID    string          `json:"host_id"`

	ID          int64           `json:"id,omitempty"`            // callback: the caller's callback id
	CallArgs    json.RawMessage `json:"args,omitempty"`          // callback: the ack's arguments
	Args        bool            `json:"stampede_args,omitempty"` // Data is the list of arguments
	Attachments [][]byte        `json:"attachments,omitempty"`
	Body        json.RawMessage `json:"body,omitempty"`
}

// PublishEmit queues a broadcast for the other instances (sio.Adapter).
func (b *Broker) PublishEmit(bc sio.Broadcast, data json.RawMessage, attachments [][]byte) {
	m, err := b.emitMessage(bc.Namespace, data)
	if err != nil {
		b.stats.BadMessages.Add(1)
		return
	}
	m.Attachments = attachments
	channel := b.cfg.Channel
	switch len(bc.Rooms) {
	case 0:
		m.Room = json.RawMessage("null")
	case 1:
		m.Room, _ = json.Marshal(bc.Rooms[0])
		if b.cfg.RoomChannels {
			channel = b.roomChannel(bc.Namespace, bc.Rooms[0])
		}
	default:
		m.Room, _ = json.Marshal(bc.Rooms)
	}
	if bc.Except != "" {
		m.SkipSID, _ = json.Marshal(bc.Except)
	}
	b.enqueue(channel, m)
}

// emitMessage is the emit message of an encoded event `["name", args…]`,
// in python-socketio's form: data is the one argument, or, for other than
// one, the list of them (flagged stampede_args).
func (b *Broker) emitMessage(nsp string, data json.RawMessage) (message, error) {
	event, rest, err := socketio.SplitEvent(data)
	if err != nil {
		return message{}, err
	}
	list, err := argList(rest)
	if err != nil {
		return message{}, err
	}
	m := message{Method: "emit", Event: event, Namespace: nsp, HostID: b.cfg.HostID}
	if len(list) == 1 {
		m.Data = list[0]
	} else {
		m.Data, m.Args = rest, true
	}
	return m, nil
}

// argList splits the `[a, b, …]` that follows the event name; rest is
// what SplitEvent returns (a JSON array of the arguments).
func argList(rest json.RawMessage) ([]json.RawMessage, error) {
	var list []json.RawMessage
	err := json.Unmarshal(rest, &list)
	return list, err
}

// PublishDisconnect asks the instance holding sid to disconnect it.
func (b *Broker) PublishDisconnect(nsp, sid string) {
	b.enqueue(b.cfg.Channel, message{Method: "disconnect", Namespace: nsp, SID: sid, HostID: b.cfg.HostID})
}

// Publish sends an application message to the other instances; their
// handler for method gets body.
func (b *Broker) Publish(method string, body any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	b.enqueue(b.cfg.Channel, message{Method: method, HostID: b.cfg.HostID, Body: raw})
	return nil
}

func (b *Broker) roomChannel(nsp, room string) string {
	return b.cfg.Channel + "#" + nsp + "#" + room
}

// Run publishes and receives until ctx is done. It never returns early on a
// Redis failure: it retries, counts and logs (SCALE-3).
func (b *Broker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); b.publishLoop(ctx) }()
	b.subscribeLoop(ctx)
	wg.Wait()
}

// subscribeLoop receives other instances' messages, re-subscribing after
// any failure with a doubling wait.
func (b *Broker) subscribeLoop(ctx context.Context) {
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := b.subscribeOnce(ctx, func() { wait = 100 * time.Millisecond })
		b.stats.Subscribed.Store(false)
		if ctx.Err() != nil {
			return
		}
		if b.cfg.Faults.NoResubscribe {
			b.log.Warn("redis subscription lost; the no-resubscribe fault keeps it lost", "err", err)
			<-ctx.Done()
			return
		}
		b.stats.Reconnects.Add(1)
		b.errLog.warn(b.log, "redis subscription lost; cross-instance delivery paused", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, b.cfg.MaxRetryWait)
	}
}

func (b *Broker) subscribeOnce(ctx context.Context, onUp func()) error {
	ps := b.cfg.Client.Subscribe(ctx)
	defer ps.Close()
	// A blocked receive does not watch ctx: closing the subscription ends it.
	stop := context.AfterFunc(ctx, func() { ps.Close() })
	defer stop()
	if err := ps.Subscribe(ctx, b.cfg.Channel); err != nil {
		return err
	}
	if b.cfg.RoomChannels {
		if err := ps.PSubscribe(ctx, b.cfg.Channel+"#*"); err != nil {
			return err
		}
	}
	for {
		v, err := ps.ReceiveTimeout(ctx, 15*time.Second)
		if err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
				// Quiet for a while: make sure the connection still lives.
				pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				err = ps.Ping(pctx)
				cancel()
				if err == nil {
					continue
				}
			}
			return err
		}
		switch v := v.(type) {
		case *redis.Subscription:
			if !b.stats.Subscribed.Swap(true) {
				b.log.Info("redis subscription live", "channel", b.cfg.Channel, "room_channels", b.cfg.RoomChannels)
			}
			onUp()
		case *redis.Message:
			b.receive(v)
		case *redis.Pong:
		}
	}
}

// receive handles one message from Redis. A room message for a room
// without local members is skipped before decoding.
func (b *Broker) receive(msg *redis.Message) {
	if msg.Pattern != "" && b.srv != nil {
		nsp, room, ok := strings.Cut(strings.TrimPrefix(msg.Channel, b.cfg.Channel+"#"), "#")
		if !ok || !b.srv.HasLocal(nsp, room) {
			b.stats.Skipped.Add(1)
			return
		}
	}
	var m message
	if err := json.Unmarshal([]byte(msg.Payload), &m); err != nil {
		b.stats.BadMessages.Add(1)
		b.errLog.warn(b.log, "undecodable message on the redis channel", "channel", msg.Channel, "err", err)
		return
	}
	if m.Method == "callback" {
		if m.HostID == b.cfg.HostID { // an ack to one of our calls, from the socket's instance
			b.stats.Received.Add(1)
			b.finishCall(m.ID, m.CallArgs)
		}
		return
	}
	if m.HostID == b.cfg.HostID {
		return // ours: delivered locally when it was published
	}
	b.stats.Received.Add(1)
	switch m.Method {
	case "emit":
		b.handleEmit(&m)
	case "disconnect":
		if b.srv != nil && m.SID != "" {
			if sock := b.srv.Socket(m.SID); sock != nil && sock.Namespace() == nsOr(m.Namespace) {
				sock.Disconnect()
			}
		}
	default:
		if fn := b.handlers[m.Method]; fn != nil {
			fn(m.Body)
		}
	}
}

func nsOr(nsp string) string {
	if nsp == "" {
		return "/"
	}
	return nsp
}

func (b *Broker) handleEmit(m *message) {
	if b.srv == nil || m.Event == "" {
		return
	}
	bc := sio.Broadcast{Namespace: nsOr(m.Namespace)}
	if len(m.Room) > 0 && string(m.Room) != "null" {
		var one string
		if json.Unmarshal(m.Room, &one) == nil {
			bc.Rooms = []string{one}
		} else if json.Unmarshal(m.Room, &bc.Rooms) != nil {
			b.stats.BadMessages.Add(1)
			return
		}
	}
	var except []string
	if len(m.SkipSID) > 0 && string(m.SkipSID) != "null" {
		if json.Unmarshal(m.SkipSID, &bc.Except) != nil && json.Unmarshal(m.SkipSID, &except) != nil {
			b.stats.BadMessages.Add(1)
			return
		}
	}
	var args json.RawMessage
	if m.Args {
		args = m.Data
	} else {
		data := m.Data
		if len(data) == 0 {
			data = json.RawMessage("null")
		}
		args = socketio.JoinArgs([]json.RawMessage{data})
	}
	list, err := argList(args)
	if err != nil {
		b.stats.BadMessages.Add(1)
		return
	}
	if cb, ok := parseCallback(m.Callback); ok {
		b.answerCall(m, bc, cb, list)
		return
	}
	b.srv.EmitLocal(bc, except, socketio.EventData(m.Event, args), m.Attachments)
}

// callback is python-socketio's [room, namespace, id] of an emit that
// wants the client's ack sent back to the calling host.
type callback struct {
	room, nsp string
	id        int64
}

func parseCallback(raw json.RawMessage) (callback, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return callback{}, false
	}
	var parts []json.RawMessage
	var cb callback
	if json.Unmarshal(raw, &parts) != nil || len(parts) != 3 ||
		json.Unmarshal(parts[0], &cb.room) != nil || json.Unmarshal(parts[1], &cb.nsp) != nil ||
		json.Unmarshal(parts[2], &cb.id) != nil {
		return callback{}, false
	}
	return cb, true
}

// ErrNoAck is Call's error when the socket disconnects, or no instance
// holds it, before the timeout.
var ErrNoAck = errors.New("broker: no ack")

// Call emits event to the socket sid, which another instance holds, and
// waits for its ack (CHAT-2 across instances, as python-socketio's call
// through its Redis manager): the emit carries a callback [sid, nsp, id];
// the socket's instance sends the ack back as a "callback" message
// addressed to this host. It returns the ack's arguments as a JSON array.
func (b *Broker) Call(ctx context.Context, nsp, sid, event string, args ...any) (json.RawMessage, error) {
	data, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		return nil, err
	}
	m, err := b.emitMessage(nsp, data)
	if err != nil {
		return nil, err
	}
	ch := make(chan json.RawMessage, 1)
	b.callMu.Lock()
	b.callSeq++
	id := b.callSeq
	b.calls[id] = ch
	b.callMu.Unlock()
	defer func() {
		b.callMu.Lock()
		delete(b.calls, id)
		b.callMu.Unlock()
	}()
	m.Room, _ = json.Marshal(sid)
	m.Callback, _ = json.Marshal([]any{sid, nsp, id})
	channel := b.cfg.Channel
	if b.cfg.RoomChannels {
		channel = b.roomChannel(nsp, sid)
	}
	b.enqueue(channel, m)
	select {
	case args := <-ch:
		if args == nil {
			return nil, ErrNoAck
		}
		return args, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b *Broker) finishCall(id int64, args json.RawMessage) {
	b.callMu.Lock()
	ch := b.calls[id]
	b.callMu.Unlock()
	if ch == nil {
		return // timed out meanwhile
	}
	if len(args) == 0 || args[0] != '[' {
		args = nil // a socket that went away: no ack
	}
	select {
	case ch <- args:
	default:
	}
}

// answerCall runs another host's call on a local socket, off the
// subscriber's goroutine, and sends the ack back to that host.
func (b *Broker) answerCall(m *message, bc sio.Broadcast, cb callback, args []json.RawMessage) {
	sock := b.srv.Socket(cb.room)
	if sock == nil || sock.Namespace() != bc.Namespace {
		return // not ours: the instance that holds it answers
	}
	anyArgs := make([]any, len(args))
	for i, a := range args {
		anyArgs[i] = a
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), b.callTimeout)
		defer cancel()
		reply, atts, err := sock.EmitWithAck(ctx, m.Event, anyArgs...)
		if err != nil {
			reply = nil // gone or timed out: the caller's own timeout decides
		} else if len(atts) > 0 {
			if v, err := socketio.Reconstruct(reply, atts); err == nil {
				reply, _ = json.Marshal(v)
			}
		}
		if reply == nil {
			reply = json.RawMessage("null")
		}
		b.enqueue(b.cfg.Channel, message{Method: "callback", HostID: m.HostID, SID: cb.room, Namespace: cb.nsp, ID: cb.id, CallArgs: reply})
	}()
}

// rateLog logs a warning at most once a second, so that an outage does not
// flood the log; the counters carry the full count.
type rateLog struct{ last atomic.Int64 }

func (r *rateLog) warn(log *slog.Logger, msg string, args ...any) {
	now := time.Now().UnixNano()
	if last := r.last.Load(); now-last < int64(time.Second) || !r.last.CompareAndSwap(last, now) {
		return
	}
	log.Warn(msg, args...)
}
