package refserver

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/refserver/broker"
	"github.com/stampede-sio/stampede/refserver/engine"
	"github.com/stampede-sio/stampede/refserver/sio"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// Faults are deliberate misbehaviours, off by default, for testing clients
// and for showing that each conformance case can fail. Each layer owns the
// faults it acts on, documented there with the behaviour ID each breaks;
// Faults composes them, and faultSetters below is the one table of their
// --fault names. Adding a fault is a field in its layer's Faults and a line
// in that table.
type Faults struct {
	Engine engine.Faults // Engine.IO: EIO-5 … EIO-15, and the transport's limits LIM-3 and LIM-6
	SIO    sio.Faults    // Socket.IO: SIO-4 (dropped acks), and a delay before every event
	App    webui.Faults  // the open-webui layer: AUTH, SESS, CHAN, CHAT, DOC
	Broker broker.Faults // Redis pub/sub between instances: SCALE-1, SCALE-3

	// This package's own: the limits it configures (section 12), and the
	// Redis mode's plumbing.
	Limits LimitFaults
	Scale  ScaleFaults
}

// LimitFaults each remove one limit of PROTOCOL.md section 12 that this
// package configures, so that the conformance suite's `limits` layer can be
// shown to fail. The transport's own (LIM-3, LIM-6) are in engine.Faults.
type LimitFaults struct {
	NoAttachmentLimit  bool // LIM-1: up to 65,536 attachments per packet, no total
	NoPlaceholderCheck bool // LIM-2: placeholders are not checked on receipt
	NoConnectTimeout   bool // LIM-4: sessions without a CONNECT live on
	NoHTTPTimeouts     bool // LIM-5: no read-header or idle timeout
}

// ScaleFaults break the Redis mode's plumbing (SCALE-2, SESS-5), so that
// the conformance suite's cases for several instances can be shown to fail.
// The broker's own faults (SCALE-1, SCALE-3) are in broker.Faults.
type ScaleFaults struct {
	// LocalState keeps the session pool, usage pool, documents and
	// revocations in process memory even with Redis (SCALE-2), and changes
	// to users, channels and notes on the instance that made them.
	LocalState bool
	// LockOverwrite renews a reaper lock with SET XX whatever its value,
	// taking back a lock another instance holds (SESS-5).
	LockOverwrite bool
}

// faultSetters is the one table of fault names (serve --fault NAME[=ARG]),
// grouped by the layer whose Faults each sets.
var faultSetters = map[string]func(f *Faults, arg string) error{
	// Engine.IO (engine.Faults).
	"no-ping":                on(func(f *Faults) { f.Engine.NoPing = true }),
	"lazy-pong-timer":        on(func(f *Faults) { f.Engine.LazyPongTimer = true }),
	"eager-poll":             on(func(f *Faults) { f.Engine.EagerPoll = true }),
	"enforce-payload":        enforcePayload,
	"binary-as-text":         on(func(f *Faults) { f.Engine.BinaryAsText = true }),
	"allow-second-websocket": on(func(f *Faults) { f.Engine.AllowSecondWebsocket = true }),
	"racy-upgrade":           on(func(f *Faults) { f.Engine.RacyUpgrade = true }),
	"racy-post-close":        on(func(f *Faults) { f.Engine.RacyPostClose = true }),
	"racy-ping-timeout":      on(func(f *Faults) { f.Engine.RacyPingTimeout = true }),
	"accept-invalid-utf8":    on(func(f *Faults) { f.Engine.AcceptInvalidUTF8 = true }),
	"no-queue-limit":         on(func(f *Faults) { f.Engine.NoQueueLimit = true }),

	// Socket.IO (sio.Faults).
	"drop-acks":          on(func(f *Faults) { f.SIO.DropAcks = true }),
	"delay-events":       delayEvents,
	"delay-events-above": delayEventsAbove,

	// The open-webui layer (webui.Faults).
	"accept-bad-tokens":          on(func(f *Faults) { f.App.AcceptBadTokens = true }),
	"leak-user-rooms":            on(func(f *Faults) { f.App.LeakUserRooms = true }),
	"echo-typing-to-others-only": on(func(f *Faults) { f.App.EchoTypingToOthersOnly = true }),
	"auth-bypass":                on(func(f *Faults) { f.App.AuthBypass = true }),
	"keep-private-fields":        on(func(f *Faults) { f.App.KeepPrivateFields = true }),
	"no-user-room":               on(func(f *Faults) { f.App.NoUserRoom = true }),
	"no-revocation-disconnect":   on(func(f *Faults) { f.App.NoRevocationDisconnect = true }),
	"payload-identity":           on(func(f *Faults) { f.App.PayloadIdentity = true }),
	"wrong-api-shapes":           on(func(f *Faults) { f.App.WrongAPIShapes = true }),
	"no-session-reaper":          on(func(f *Faults) { f.App.NoSessionReaper = true }),
	"keep-session-on-disconnect": on(func(f *Faults) { f.App.KeepSessionOnDisconnect = true }),
	"drop-event":                 dropEvent,
	"channels-for-all":           on(func(f *Faults) { f.App.ChannelsForAll = true }),
	"relay-any-channel-event":    on(func(f *Faults) { f.App.RelayAnyChannelEvent = true }),
	"no-channel-messages":        on(func(f *Faults) { f.App.NoChannelMessages = true }),
	"no-channel-leave":           on(func(f *Faults) { f.App.NoChannelLeave = true }),
	"join-any-note":              on(func(f *Faults) { f.App.JoinAnyNote = true }),
	"events-to-everyone":         on(func(f *Faults) { f.App.EventsToEveryone = true }),
	"call-any-sid":               on(func(f *Faults) { f.App.CallAnySID = true }),
	"call-no-ack":                on(func(f *Faults) { f.App.CallNoAck = true }),
	"no-usage-reaper":            on(func(f *Faults) { f.App.NoUsageReaper = true }),
	"doc-echo-to-sender":         on(func(f *Faults) { f.App.DocEchoToSender = true }),
	"doc-relay-from-readers":     on(func(f *Faults) { f.App.DocRelayFromReaders = true }),
	"doc-binary-relay":           on(func(f *Faults) { f.App.DocBinaryRelay = true }),
	"no-save-debounce":           on(func(f *Faults) { f.App.NoSaveDebounce = true }),
	"cancel-save-on-resync":      on(func(f *Faults) { f.App.CancelSaveOnResync = true }),
	"no-doc-compaction":          on(func(f *Faults) { f.App.NoDocCompaction = true }),
	"no-doc-clear":               on(func(f *Faults) { f.App.NoDocClear = true }),
	"no-lock-renew":              on(func(f *Faults) { f.App.NoLockRenew = true }),

	// The Redis broker (broker.Faults).
	"redis-no-publish":     on(func(f *Faults) { f.Broker.NoPublish = true }),
	"redis-sync-publish":   on(func(f *Faults) { f.Broker.SyncPublish = true }),
	"redis-no-resubscribe": on(func(f *Faults) { f.Broker.NoResubscribe = true }),

	// This package (LimitFaults, ScaleFaults).
	"no-attachment-limit":  on(func(f *Faults) { f.Limits.NoAttachmentLimit = true }),
	"no-placeholder-check": on(func(f *Faults) { f.Limits.NoPlaceholderCheck = true }),
	"no-connect-timeout":   on(func(f *Faults) { f.Limits.NoConnectTimeout = true }),
	"no-http-timeouts":     on(func(f *Faults) { f.Limits.NoHTTPTimeouts = true }),
	"redis-local-state":    on(func(f *Faults) { f.Scale.LocalState = true }),
	"lock-overwrite":       on(func(f *Faults) { f.Scale.LockOverwrite = true }),
}

// on is the setter of a fault that takes no argument.
func on(set func(*Faults)) func(*Faults, string) error {
	return func(f *Faults, arg string) error {
		if arg != "" {
			return fmt.Errorf("takes no argument")
		}
		set(f)
		return nil
	}
}

func enforcePayload(f *Faults, arg string) error {
	n, err := strconv.Atoi(arg)
	if err != nil || n <= 0 {
		return fmt.Errorf("enforce-payload wants a positive byte count, e.g. enforce-payload=999999")
	}
	f.Engine.EnforcePayload = n
	return nil
}

func delayEvents(f *Faults, arg string) error {
	d, err := time.ParseDuration(arg)
	if err != nil || d <= 0 {
		return fmt.Errorf("delay-events wants a positive duration, e.g. delay-events=200ms")
	}
	f.SIO.EventDelay = d
	return nil
}

// delayEventsAbove limits delay-events to the times when more than N
// Socket.IO sockets are connected.
func delayEventsAbove(f *Faults, arg string) error {
	n, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("delay-events-above wants a positive socket count, e.g. delay-events-above=500")
	}
	f.SIO.EventDelayAbove = n
	return nil
}

// dropEvent names an incoming event that gets no handler, e.g.
// drop-event=heartbeat (SESS-2), drop-event=events:chat (CHAT-3),
// drop-event=ydoc:document:state (DOC-4). Repeat it for several events.
func dropEvent(f *Faults, arg string) error {
	if strings.TrimSpace(arg) == "" {
		return fmt.Errorf("drop-event wants an event name, e.g. drop-event=heartbeat")
	}
	f.App.DropEvents = append(f.App.DropEvents, arg)
	return nil
}

// FaultNames lists the known fault names, sorted.
func FaultNames() []string {
	out := make([]string, 0, len(faultSetters))
	for n := range faultSetters {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Set applies one --fault value, NAME or NAME=ARG.
func (f *Faults) Set(v string) error {
	name, arg, _ := strings.Cut(v, "=")
	set, ok := faultSetters[name]
	if !ok {
		return fmt.Errorf("%w: unknown fault %q (known: %s)", ErrConfig, name, strings.Join(FaultNames(), ", "))
	}
	if err := set(f, arg); err != nil {
		return fmt.Errorf("%w: fault %s: %v", ErrConfig, name, err)
	}
	return nil
}
