package check

import (
	"crypto/tls"
	"net/url"
	"time"
)

// Target is the server under test and what is known about it. The runner
// fills the discovered fields before any case runs.
type Target struct {
	URL           *url.URL // base, e.g. http://127.0.0.1:8080
	Path          string   // Socket.IO path, e.g. /ws/socket.io/
	EchoNamespace string   // e.g. /echo
	// OtherNamespace is a second namespace the target serves, connected
	// beside the echo namespace on one connection (SIO-7); empty: "/", or
	// "/custom" when the echo namespace is "/" (see Other).
	OtherNamespace string
	EnginePath     string   // raw Engine.IO echo, e.g. /engine.io/
	Profile        string   // documented or open-webui
	Secret         []byte   // for minting tokens; nil when not given
	Peer           *url.URL // second instance of the deployment, for SCALE
	// Redis is the deployment's Redis (redis://host:port/db), for the cases
	// that look at its keys and channels or interrupt it (SCALE, SESS-5);
	// empty when not given. RedisPrefix is REDIS_KEY_PREFIX ("open-webui"),
	// RedisChannel python-socketio's channel ("socketio"), LockTimeout
	// WEBSOCKET_REDIS_LOCK_TIMEOUT (60s).
	Redis        string
	RedisPrefix  string
	RedisChannel string
	LockTimeout  time.Duration
	// SessionTimeout is the target's session reaper timeout (SESS-3), when
	// known; zero otherwise.
	SessionTimeout time.Duration
	Strict         bool
	// AllowMutations lets the cases that change shared state (delete,
	// demote, revoke, remove, save) run against a target without the
	// refserver control API, which cannot restore what they change.
	AllowMutations bool
	// TLS is used for https:// targets (check --insecure); nil: Go's
	// defaults.
	TLS *tls.Config
	// Repeat is how many times each race case repeats its exchange
	// (--repeat); zero means DefaultRepeat. A race case fails when any
	// repetition breaks the behaviour.
	Repeat int

	// Discovered by the runner.
	Polling      bool          // the Socket.IO path accepts transport=polling
	Websocket    bool          // the Socket.IO path accepts transport=websocket
	Upgrade      bool          // polling sessions announce the websocket upgrade
	EnginePoll   bool          // the raw Engine.IO endpoint accepts polling
	EngineWS     bool          // the raw Engine.IO endpoint accepts websocket
	PingInterval time.Duration // from the OPEN packet
	PingTimeout  time.Duration
	MaxPayload   int
	Control      bool // the refserver control API answers (server-originated acts)
}

// Wait is how long a case waits for something the server should send at
// once: long enough for a loaded machine, short enough to keep the suite fast.
const Wait = 5 * time.Second

// DefaultRepeat is how many times a race case repeats its exchange when
// Target.Repeat is zero.
const DefaultRepeat = 20

// Repetitions is Repeat, or DefaultRepeat when it is not set.
func (t *Target) Repetitions() int {
	if t.Repeat > 0 {
		return t.Repeat
	}
	return DefaultRepeat
}

// PingWindow is how long until a silent client must have been closed:
// pingInterval + pingTimeout, plus slack.
func (t *Target) PingWindow() time.Duration {
	return t.PingInterval + t.PingTimeout + 2*time.Second
}
