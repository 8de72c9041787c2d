package scenarios

import "time"

// Scenario is one load scenario: where to connect, how virtual clients
// authenticate and behave, how the population arrives (phases), what each
// client does (flows of steps), and what must hold (thresholds).
type Scenario struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Target      Target            `yaml:"target"`
	Auth        Auth              `yaml:"auth"`
	Client      Client            `yaml:"client"`
	Phases      []Phase           `yaml:"phases"`
	Flows       []Flow            `yaml:"flows"`
	Thresholds  []string          `yaml:"thresholds"` // e.g. "ack_p99{event:user-join} < 100ms"
	Vars        map[string]string `yaml:"vars"`       // {{.Vars.name}} in templates
	Data        map[string]string `yaml:"data"`       // name → CSV file; {{.Data.name.column}} per virtual client
}

// Target is the server under load.
type Target struct {
	URLs      []string `yaml:"urls"`      // one or more base URLs (one per server port); --target overrides
	Path      string   `yaml:"path"`      // default /ws/socket.io
	Transport string   `yaml:"transport"` // websocket (default) | polling | polling,websocket
	Namespace string   `yaml:"namespace"` // default /
	// Sources spreads client connections over these local addresses
	// (default: 127.0.0.1–9 when the targets are on loopback).
	Sources []string `yaml:"sources"`
	// Metrics scrapes GET /metrics of each target during the run (default true).
	Metrics *bool `yaml:"metrics"`
}

// Auth says how each virtual client gets its token (CLIENT-1 auth:{token}).
type Auth struct {
	// Mode: mint (default: sign a token per client with --secret or
	// WEBUI_SECRET_KEY), file (one token per line, by client index), none.
	Mode string `yaml:"mode"`
	// User is a template for the user id of client i, e.g. u{{printf "%06d" (add .Index 2)}}.
	User    string        `yaml:"user"`
	Expires time.Duration `yaml:"expires"`     // minted tokens' lifetime, default 1h
	File    string        `yaml:"tokens_file"` // for mode file
}

// Client is how virtual clients behave (PROTOCOL.md section 9); every field
// can be overridden to compare settings.
type Client struct {
	// Heartbeat is the heartbeat interval (SESS-1); 0 takes
	// features.websocket_heartbeat_interval from GET /api/config; negative disables.
	Heartbeat      time.Duration `yaml:"heartbeat"`
	UserJoin       *bool         `yaml:"user_join"`       // emit user-join after connect (CLIENT-1), default true
	FetchConfig    *bool         `yaml:"fetch_config"`    // GET /api/config and /api/version (CLIENT-1), default true
	AckTimeout     time.Duration `yaml:"ack_timeout"`     // default 10s
	ConnectTimeout time.Duration `yaml:"connect_timeout"` // default 20s (CLIENT-3)
	Reconnect      Reconnect     `yaml:"reconnect"`
}

// Reconnect is socket.io-client's reconnection (CLIENT-3, CLIENT-4).
type Reconnect struct {
	Enabled       *bool         `yaml:"enabled"`       // default true
	Delay         time.Duration `yaml:"delay"`         // default 1s
	DelayMax      time.Duration `yaml:"delay_max"`     // default 5s
	Randomization *float64      `yaml:"randomization"` // default 0.5
	Attempts      int           `yaml:"attempts"`      // 0: unlimited
	// OverflowBug reproduces socket.io-client's overflow after ~1015
	// attempts (half the retries at 0 ms) instead of capping the exponent.
	OverflowBug bool `yaml:"overflow_bug"`
}

// The phase kinds.
const (
	PhaseRamp     = "ramp"     // closed model: population goes from From to To over Duration
	PhaseConstant = "constant" // closed model: hold Population (or the current one) for Duration
	PhaseArrival  = "arrival"  // open model: start Rate new clients per second for Duration
	PhaseSpike    = "spike"    // a storm: Population clients connect at once (as fast as allowed)
	PhaseHold     = "hold"     // keep whoever is connected for Duration, start no one
)

// Phase is one stage of the run's arrival pattern. Phases run in order.
type Phase struct {
	Name       string        `yaml:"name"`
	Kind       string        `yaml:"kind"`
	Duration   time.Duration `yaml:"duration"`
	From       int           `yaml:"from"`       // ramp
	To         int           `yaml:"to"`         // ramp
	Population int           `yaml:"population"` // constant, spike
	Rate       float64       `yaml:"rate"`       // arrival: clients per second
	// MaxInFlight bounds concurrent dials of a spike (default 128:
	// PERFORMANCE.md sees no gain beyond it).
	MaxInFlight int `yaml:"max_in_flight"`
}

// Flow is a weighted script that virtual clients run from their start.
type Flow struct {
	Name   string `yaml:"name"`
	Weight int    `yaml:"weight"` // default 1; a client picks a flow with probability weight/sum
	Steps  []Step `yaml:"steps"`
}

// Step is one action. Exactly one field is set; in YAML each step is a
// one-key mapping such as `- emit: {event: heartbeat}`.
type Step struct {
	Connect     *ConnectStep   `yaml:"connect"`
	Emit        *EmitStep      `yaml:"emit"`
	EmitWithAck *EmitStep      `yaml:"emit_with_ack"`
	WaitFor     *WaitForStep   `yaml:"wait_for"`
	Listen      *ListenStep    `yaml:"listen"`
	Think       *ThinkStep     `yaml:"think"`
	Loop        *LoopStep      `yaml:"loop"`
	Disconnect  *struct{}      `yaml:"disconnect"`
	Reconnect   *struct{}      `yaml:"reconnect"`
	Vanish      *VanishStep    `yaml:"vanish"`
	Control     *ControlStep   `yaml:"control"`
	Line        int            `yaml:"-"` // where the step starts in the file
	Extra       map[string]any `yaml:"-"`
}

// ConnectStep runs the open-webui startup (CLIENT-1): config, connect with
// auth, version, heartbeat timer, user-join — each part per Client.
type ConnectStep struct {
	Namespace string `yaml:"namespace"` // default Target.Namespace
}

// EmitStep sends an event; with an ack it waits for the reply and may check it.
type EmitStep struct {
	Event   string        `yaml:"event"`
	Args    []any         `yaml:"args"`    // templated; a string "{{bytes N}}" becomes N random bytes (binary)
	Timeout time.Duration `yaml:"timeout"` // ack wait, default Client.AckTimeout
	Expect  any           `yaml:"expect"`  // the ack's first argument must contain this (subset match)
	Tag     string        `yaml:"tag"`     // metric tag, default the event name
}

// WaitForStep waits for one event that matches.
type WaitForStep struct {
	Event   string        `yaml:"event"`
	Match   any           `yaml:"match"` // subset match on the first argument
	Timeout time.Duration `yaml:"timeout"`
}

// ListenStep counts pushed events for a while and measures their delivery
// latency when they carry a send time (the simulator stamps what it sends).
type ListenStep struct {
	Events []string      `yaml:"events"`
	For    time.Duration `yaml:"for"`
}

// ThinkStep pauses: Fixed, or uniformly between Min and Max.
type ThinkStep struct {
	Fixed time.Duration `yaml:"fixed"`
	Min   time.Duration `yaml:"min"`
	Max   time.Duration `yaml:"max"`
}

// LoopStep repeats Steps Count times, for Duration, or paced at Rate per
// second (open loop per client: latency is measured from the intended time).
type LoopStep struct {
	Count    int           `yaml:"count"`
	Duration time.Duration `yaml:"duration"`
	Rate     float64       `yaml:"rate"`
	Steps    []Step        `yaml:"steps"`
}

// VanishStep goes silent without closing TCP (a laptop lid): no reads
// answered, no pongs, for For (0: until the end).
type VanishStep struct {
	For time.Duration `yaml:"for"`
}

// ControlStep calls the refserver control API (admin token minted with the
// secret): stream, post-message, events, drop, revoke.
type ControlStep struct {
	Action string         `yaml:"action"`
	Params map[string]any `yaml:"params"` // templated JSON body
	Once   bool           `yaml:"once"`   // only the first client to reach it acts (e.g. drop everyone)
}
