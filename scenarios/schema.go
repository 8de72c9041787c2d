package scenarios

import "time"

// Scenario is one load scenario: where to connect, how virtual clients
// authenticate and behave, how the population arrives (phases), what each
// client does (flows of steps), and what must hold (thresholds).
//
// A zero field means its default (see WithDefaults); the pointer fields are
// pointers because their zero value is meaningful and differs from the
// default.
type Scenario struct {
	// Name names the scenario in reports; Load defaults it to the file name
	// without its extension.
	Name string `yaml:"name"`
	// Description says what the scenario measures, for people.
	Description string `yaml:"description"`
	Target      Target `yaml:"target"`
	Auth        Auth   `yaml:"auth"`
	Client      Client `yaml:"client"`
	// Phases run in order; their durations add up to the run's length.
	Phases []Phase `yaml:"phases"`
	// Teardown is how long the end of the run takes to stop the clients
	// still running: they disconnect one after the other, spread uniformly
	// over it, so that the target meets no disconnect storm it did not ask
	// for (a spike or a drop does that on purpose). Default
	// DefaultTeardown (2s); 0: every client at once. Not part of the run's
	// length, and --duration does not scale it.
	Teardown *time.Duration `yaml:"teardown"`
	// Flows are the scripts; each client runs one, picked by weight.
	Flows []Flow `yaml:"flows"`
	// Thresholds decide the exit code of `stampede run`, e.g.
	// "ack_p99{event:user-join} < 100ms". Validate checks only their shape
	// (see Validate); package reports parses and evaluates them.
	Thresholds []string `yaml:"thresholds"`
	// Vars are constants for templates: {{.Vars.name}}. Their values are
	// literal (not templates themselves).
	Vars map[string]string `yaml:"vars"`
	// Data maps a name to a CSV file with a header row; client i gets row
	// i mod rows as {{.Data.name.column}}.
	Data map[string]string `yaml:"data"`
	// Server holds settings of the server, for runs on a managed
	// refserver (stampede run --serve, sweep, capacity): each key is a
	// serve flag without its dashes, - written as _ (ping_interval: 1s is
	// --ping-interval=1s). Runs against a --target ignore it.
	Server map[string]string `yaml:"server"`

	file  string         // the name given to Load, for error messages
	lines map[string]int // field path → line in the file, from Load
}

// Target is the server under load.
type Target struct {
	// URLs are one or more base URLs, http://, https://, ws:// or wss://
	// (one per server port); clients are spread over them. A path names
	// the namespace, as for socket.io-client (http://host:3000/echo is
	// namespace /echo, replacing Namespace); all URLs must name the same.
	// --target overrides. Default http://127.0.0.1:8080 (stampede serve).
	URLs []string `yaml:"urls"`
	// Path is the Socket.IO endpoint, default /ws/socket.io (open-webui's);
	// with or without the trailing slash, which clients always send (as
	// engine.io-client does: the stock Node server serves only /socket.io/).
	Path string `yaml:"path"`
	// Transport is websocket (default), polling, or polling,websocket
	// (polling first, then upgrade) (CLIENT-2).
	Transport string `yaml:"transport"`
	// Namespace is the Socket.IO namespace clients connect to, default /.
	Namespace string `yaml:"namespace"`
	// Sources spreads client connections over these local IP addresses
	// (default: 127.0.0.1–9 when the targets are on loopback).
	Sources []string `yaml:"sources"`
	// Metrics scrapes GET /metrics of each target during the run (default
	// true) when the target serves Prometheus text there; a target without
	// /metrics, or that never answers it, is simply not scraped.
	Metrics *bool `yaml:"metrics"`
}

// The auth modes.
const (
	AuthMint = "mint" // sign a token per client with --secret or WEBUI_SECRET_KEY (default)
	AuthFile = "file" // read tokens, one per line; client i takes line i mod lines
	AuthNone = "none" // connect without a token (the echo namespace)
)

// Auth says how each virtual client gets its token (CLIENT-1 auth:{token}).
type Auth struct {
	// Mode is mint (default), file or none.
	Mode string `yaml:"mode"`
	// User is a template for the user id of client i (mode mint), default
	// DefaultUser: client 0 is u000002, so the admin u000001 stays free for
	// control actions. With a population smaller than the run's, wrap the
	// index: u{{printf "%06d" (add (mod .Index 500) 2)}} gives 500 users,
	// several tabs each.
	User string `yaml:"user"`
	// Expires is the minted tokens' lifetime, default 1h; negative: no exp
	// claim (as JWT_EXPIRES_IN=-1).
	Expires time.Duration `yaml:"expires"`
	// File holds one token per line (mode file).
	File string `yaml:"tokens_file"`
}

// Client is how virtual clients behave (PROTOCOL.md section 9); every field
// can be overridden to compare settings.
type Client struct {
	// Heartbeat is the heartbeat interval (SESS-1); 0 (default) takes
	// features.websocket_heartbeat_interval from GET /api/config (30s when
	// fetch_config is off); negative disables the heartbeat.
	Heartbeat time.Duration `yaml:"heartbeat"`
	// UserJoin emits user-join after connect (CLIENT-1), default true.
	UserJoin *bool `yaml:"user_join"`
	// FetchConfig does GET /api/config before and GET /api/version after
	// connecting (CLIENT-1), default true.
	FetchConfig *bool `yaml:"fetch_config"`
	// AckTimeout bounds every ack and wait_for without its own timeout, default 10s.
	AckTimeout time.Duration `yaml:"ack_timeout"`
	// ConnectTimeout bounds one connection attempt, default 20s (CLIENT-3).
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	Reconnect      Reconnect     `yaml:"reconnect"`
	// ParkIdle lets an idle websocket client wait with no goroutine of its
	// own (client.Options.ParkIdle; Linux, plain ws://): about 4 KiB less
	// per client, for more CPU per message received (a wake and a re-arm
	// each). Default false: on a machine like the one measured the CPU,
	// not the memory, runs out first.
	ParkIdle bool `yaml:"park_idle"`
}

// Reconnect is socket.io-client's reconnection (CLIENT-3, CLIENT-4).
type Reconnect struct {
	// Enabled reconnects after a transport loss or ping timeout, default true.
	Enabled *bool `yaml:"enabled"`
	// Delay is reconnectionDelay, the base of the backoff, default 1s.
	Delay time.Duration `yaml:"delay"`
	// DelayMax is reconnectionDelayMax, the cap of the backoff, default 5s.
	DelayMax time.Duration `yaml:"delay_max"`
	// Randomization is randomizationFactor in [0, 1], default 0.5; 0 makes
	// every client retry at the same moment (a thundering herd).
	Randomization *float64 `yaml:"randomization"`
	// Attempts bounds the attempts per loss; 0: unlimited.
	Attempts int `yaml:"attempts"`
	// OverflowBug reproduces socket.io-client's overflow after ~1015
	// attempts (half the retries at 0 ms) instead of capping the exponent.
	OverflowBug bool `yaml:"overflow_bug"`
}

// The phase kinds.
const (
	PhaseRamp     = "ramp"     // closed model: population goes from From to To over Duration
	PhaseConstant = "constant" // closed model: hold Population (0: the current one) for Duration
	PhaseArrival  = "arrival"  // open model: start Rate new clients per second for Duration
	PhaseSpike    = "spike"    // a storm: Population new clients start at once (MaxInFlight dials at a time)
	PhaseHold     = "hold"     // keep whoever is connected for Duration, start no one
)

// Phase is one stage of the run's arrival pattern. Phases run in order. A
// client runs its flow once; when the flow ends connected, the client stays
// connected (answering pings, sending heartbeats) until the run ends.
type Phase struct {
	// Name names the phase in reports, default "phase-<index>".
	Name string `yaml:"name"`
	// Kind is one of the phase kinds: ramp, constant, arrival, spike, hold.
	Kind string `yaml:"kind"`
	// Duration is the phase's length; required except for spike, where it
	// is optional time given to the storm before the next phase.
	Duration   time.Duration `yaml:"duration"`
	From       int           `yaml:"from"`       // ramp: population at the start
	To         int           `yaml:"to"`         // ramp: population at the end, ≥ From
	Population int           `yaml:"population"` // constant (0: keep the current), spike (required)
	Rate       float64       `yaml:"rate"`       // arrival: new clients per second
	// MaxInFlight bounds concurrent dials of a spike (default 128:
	// PERFORMANCE.md sees no gain beyond it).
	MaxInFlight int `yaml:"max_in_flight"`
}

// Flow is a weighted script that virtual clients run from their start. The
// steps run after an implicit connect (the CLIENT-1 startup), unless the
// first step is connect.
type Flow struct {
	// Name names the flow in reports, default "flow-<index>".
	Name string `yaml:"name"`
	// Weight: a client picks a flow with probability weight/sum; default 1;
	// 0 disables the flow.
	Weight *int   `yaml:"weight"`
	Steps  []Step `yaml:"steps"`
}

// Step is one action. Exactly one field is set; in YAML each step is a
// one-key mapping such as `- emit: {event: heartbeat}`, or a bare name such
// as `- disconnect` for a step with no settings.
type Step struct {
	Connect     *ConnectStep `yaml:"connect"`       // open the connection (only first, or after disconnect)
	Emit        *EmitStep    `yaml:"emit"`          // send an event, no ack
	EmitWithAck *EmitStep    `yaml:"emit_with_ack"` // send an event and wait for its ack
	WaitFor     *WaitForStep `yaml:"wait_for"`      // wait for one matching event
	Listen      *ListenStep  `yaml:"listen"`        // count pushed events for a while
	Think       *ThinkStep   `yaml:"think"`         // pause
	Loop        *LoopStep    `yaml:"loop"`          // repeat steps
	Disconnect  *struct{}    `yaml:"disconnect"`    // close the connection (no reconnect)
	Reconnect   *struct{}    `yaml:"reconnect"`     // close and connect again, like a page reload
	Vanish      *VanishStep  `yaml:"vanish"`        // go silent without closing TCP
	Control     *ControlStep `yaml:"control"`       // call the refserver control API
	// Line is where the step starts in the file (0 when not loaded).
	Line int `yaml:"-"`
	// Extra is free for programs that build scenarios; Load never sets it
	// (an unknown key in a step is an error).
	Extra map[string]any `yaml:"-"`
}

// ConnectStep runs the open-webui startup (CLIENT-1): config, connect with
// auth, version, heartbeat timer, user-join — each part per Client.
type ConnectStep struct {
	Namespace string `yaml:"namespace"` // default Target.Namespace
}

// EmitStep sends an event; with an ack it waits for the reply and may check it.
type EmitStep struct {
	// Event is the event name, required.
	Event string `yaml:"event"`
	// Args are the event's arguments, JSON-like; every string in them is a
	// template. A string that is exactly "{{bytes N}}" becomes N random
	// bytes sent as a binary attachment (see BinaryArg).
	Args []any `yaml:"args"`
	// Timeout is the ack wait (emit_with_ack), default Client.AckTimeout.
	Timeout time.Duration `yaml:"timeout"`
	// Expect: the ack's first argument must contain this (subset match);
	// strings in it are templates.
	Expect any `yaml:"expect"`
	// Tag is the metric tag value (event:<tag>), default the event name.
	Tag string `yaml:"tag"`
}

// WaitForStep waits for one event that matches.
type WaitForStep struct {
	Event   string        `yaml:"event"`   // required
	Match   any           `yaml:"match"`   // subset match on the first argument; strings are templates
	Timeout time.Duration `yaml:"timeout"` // default Client.AckTimeout
}

// ListenStep counts pushed events for a while and measures their delivery
// latency when they carry a send time (a sent_ms field, see the package
// documentation).
type ListenStep struct {
	Events []string      `yaml:"events"` // event names, at least one
	For    time.Duration `yaml:"for"`    // 0: until the run ends
}

// ThinkStep pauses: Fixed, uniformly between Min and Max, or Until a point
// of the run's timeline (measured from the run's start, so --duration scales
// it; use it to act after everyone has arrived).
type ThinkStep struct {
	Fixed time.Duration `yaml:"fixed"`
	Min   time.Duration `yaml:"min"`
	Max   time.Duration `yaml:"max"`
	Until time.Duration `yaml:"until"`
}

// LoopStep repeats Steps Count times, for Duration, or paced at Rate per
// second (open loop per client: latency is measured from the intended time).
// With only Rate it repeats until the run ends; with several, it stops at the
// first limit reached.
type LoopStep struct {
	Count    int           `yaml:"count"`
	Duration time.Duration `yaml:"duration"`
	Rate     float64       `yaml:"rate"`
	// Phase places a rate loop's iterations: random (default) starts each
	// client's loop at a random point of its first period (uniform, from
	// the client's seeded source: the same with the same --seed), so that
	// clients that reach the loop together do not send together; aligned
	// starts it at once, so that they do (a burst, asked for on purpose).
	// Random and aligned iterations are paced: each is intended on the
	// first line of a grid of a few milliseconds at or after its own time,
	// so that the process's iterations start in small batches rather than
	// one by one (which cost twice the CPU at 1,000 clients doing one emit
	// a second); exact is random without the grid, every iteration at its
	// own time.
	Phase string `yaml:"phase"`
	Steps []Step `yaml:"steps"` // at least one; loops may nest
}

// The loop phases (LoopStep.Phase).
const (
	LoopPhaseRandom  = "random"
	LoopPhaseAligned = "aligned"
	LoopPhaseExact   = "exact"
)

// VanishStep goes silent without closing TCP (a laptop lid): no reads
// answered, no pongs, for For (0: until the end).
type VanishStep struct {
	For time.Duration `yaml:"for"`
}

// ControlStep calls the refserver control API (admin token minted with the
// secret) over HTTP; see ControlActions for the actions and their routes.
type ControlStep struct {
	// Action is one of ControlActions' keys.
	Action string `yaml:"action"`
	// Params is the JSON body; strings in it are templates.
	Params map[string]any `yaml:"params"`
	// Once: only the first client to reach the step acts (e.g. drop everyone).
	Once bool `yaml:"once"`
}
