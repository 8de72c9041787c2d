package simulator

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"text/template"
	"time"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator/metrics"
)

// plan is an Env compiled for its clients: the scenario's client settings
// resolved, its flows with their templates parsed and static arguments
// marshalled, one client.Options per transport and source address, and the
// shared heartbeat scheduler. Prepare builds it once; clients only read it.
type plan struct {
	env *Env
	m   *clientMetrics
	log *slog.Logger

	flows []*flowPlan
	cum   []int // cumulative weights, for the pick
	total int

	mode       string             // auth mode
	user       *template.Template // auth.user (mode mint)
	ttl        time.Duration
	userJoin   bool
	fetchCfg   bool
	heartbeat  time.Duration // client.heartbeat: 0 from /api/config, < 0 off
	ackTimeout time.Duration
	dialTO     time.Duration // client.connect_timeout
	reconnect  bool
	attempts   int
	backoff    Backoff
	nsp        string
	transport  client.Transports
	// followServer: the scenario kept the default transport, so the
	// server's enable_websocket decides (CLIENT-2).
	followServer bool

	targets []*target
	sources []*net.TCPAddr
	opts    [3][]*client.Options // [client.Transports][source]: shared by every connection
	http    *http.Client
	hb      *heartbeats
	admin   adminToken
	minted  premint // tokens minted before the run (Env.Premint)
	acks    ackDeadlines
	pace    pacing
	vars    map[string]string

	// onIteration, when set (tests), sees every iteration of a rate loop.
	onIteration func(index, k int, intended, started time.Time)
}

// flowPlan is one compiled flow.
type flowPlan struct {
	name         string
	steps        []step
	connectFirst bool // the first step is connect: no implicit connect
	vanish       bool // a vanish step somewhere: connections need their own Options
	slots        int  // per-client argument caches (see emitPlan.slot)
}

type stepKind uint8

const (
	stepConnect stepKind = iota
	stepEmit
	stepEmitWithAck
	stepWaitFor
	stepListen
	stepThink
	stepLoop
	stepDisconnect
	stepReconnect
	stepVanish
	stepControl
)

// step is one compiled step: kind and the part of it the kind uses.
type step struct {
	kind    stepKind
	nsp     string        // connect
	d       time.Duration // listen.for, vanish.for
	think   scenarios.ThinkStep
	emit    *emitPlan
	wait    *waitPlan
	loop    *loopPlan
	control *controlPlan
}

// emitPlan is an emit or emit_with_ack. Its arguments are rendered at one
// of three moments: never (static: marshalled at setup and shared), once per
// client (templates over the client's index, user, flow, vars and data: kept
// in the client's cache slot), or at every send (templates that use the
// iteration, the clock or randomness, and binary arguments).
type emitPlan struct {
	event   string
	tag     string
	args    []*value
	static  []any // json.RawMessage per argument, when every argument is static
	slot    int   // per-client cache slot, or -1
	perUse  bool
	binary  bool
	timeout time.Duration
	expect  *value
	okAck   atomic.Pointer[[]byte] // static expect: the last first argument that matched
	em      *eventMetrics
	ack     *metrics.Timer
}

type waitPlan struct {
	event   string
	match   *value // nil: any event of that name
	timeout time.Duration
}

type loopPlan struct {
	count    int
	duration time.Duration
	rate     float64
	aligned  bool // phase: aligned; else a random phase per client
	exact    bool // phase: exact: no pacing grid
	steps    []step
}

type controlPlan struct {
	name   string
	action scenarios.ControlAction
	params *value
	once   bool
	done   atomic.Bool // a once step has been claimed (in this process)
}

// target is one server of Env.Targets, with its /api/config fetched once
// per process (see config).
type target struct {
	base     string // URL without a trailing slash
	health   targetHealth
	mu       sync.Mutex
	cfg      *serverConfig
	fetching chan struct{} // closed when the fetch in progress ends
}

// serverConfig is what a client learns from GET /api/config (CLIENT-1).
type serverConfig struct {
	websocket *bool         // features.enable_websocket
	heartbeat time.Duration // features.websocket_heartbeat_interval; 0: absent
}

// compileFlows compiles every flow with a weight above 0.
func (p *plan) compileFlows(s *scenarios.Scenario) error {
	for i, f := range s.Flows {
		w := scenarios.DefaultWeight
		if f.Weight != nil {
			w = *f.Weight
		}
		if w <= 0 {
			continue
		}
		fp := &flowPlan{name: f.Name, connectFirst: len(f.Steps) > 0 && f.Steps[0].Connect != nil}
		steps, err := p.compileSteps(fp, f.Steps, fmt.Sprintf("flows[%d].steps", i))
		if err != nil {
			return err
		}
		fp.steps = steps
		p.flows = append(p.flows, fp)
		p.total += w
		p.cum = append(p.cum, p.total)
	}
	if p.total == 0 {
		return fmt.Errorf("%w: no flow has a weight above 0", ErrSetup)
	}
	return nil
}

func (p *plan) compileSteps(fp *flowPlan, in []scenarios.Step, at string) ([]step, error) {
	out := make([]step, 0, len(in))
	for i := range in {
		st := &in[i]
		sat := fmt.Sprintf("%s[%d]", at, i)
		var c step
		var err error
		switch {
		case st.Connect != nil:
			c = step{kind: stepConnect, nsp: st.Connect.Namespace}
			if c.nsp == "" {
				c.nsp = p.nsp
			}
		case st.Emit != nil:
			c = step{kind: stepEmit}
			c.emit, err = p.compileEmit(fp, st.Emit, sat+".emit")
		case st.EmitWithAck != nil:
			c = step{kind: stepEmitWithAck}
			c.emit, err = p.compileEmit(fp, st.EmitWithAck, sat+".emit_with_ack")
		case st.WaitFor != nil:
			w := &waitPlan{event: st.WaitFor.Event, timeout: orDefault(st.WaitFor.Timeout, p.ackTimeout)}
			if st.WaitFor.Match != nil {
				w.match, err = compileValue(sat+".wait_for.match", st.WaitFor.Match)
			}
			c = step{kind: stepWaitFor, wait: w}
		case st.Listen != nil:
			c = step{kind: stepListen, d: st.Listen.For}
			for _, e := range st.Listen.Events {
				p.m.event(e).listened() // a listened event shows as 0 rather than missing
			}
		case st.Think != nil:
			c = step{kind: stepThink, think: *st.Think}
		case st.Loop != nil:
			l := &loopPlan{count: st.Loop.Count, duration: st.Loop.Duration, rate: st.Loop.Rate,
				aligned: st.Loop.Phase == scenarios.LoopPhaseAligned, exact: st.Loop.Phase == scenarios.LoopPhaseExact}
			l.steps, err = p.compileSteps(fp, st.Loop.Steps, sat+".loop.steps")
			c = step{kind: stepLoop, loop: l}
		case st.Disconnect != nil:
			c = step{kind: stepDisconnect}
		case st.Reconnect != nil:
			c = step{kind: stepReconnect}
		case st.Vanish != nil:
			c = step{kind: stepVanish, d: st.Vanish.For}
			fp.vanish = true
		case st.Control != nil:
			c = step{kind: stepControl}
			c.control, err = p.compileControl(st.Control, sat+".control")
		default:
			return nil, fmt.Errorf("%w: %s: a step without a kind", ErrSetup, sat)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSetup, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func (p *plan) compileEmit(fp *flowPlan, e *scenarios.EmitStep, at string) (*emitPlan, error) {
	ep := &emitPlan{event: e.Event, tag: orDefault(e.Tag, e.Event), slot: -1, timeout: orDefault(e.Timeout, p.ackTimeout)}
	ep.em = p.m.event(e.Event)
	ep.ack = p.m.ackTimer(ep.tag)
	static := true
	for i, a := range e.Args {
		v, err := compileValue(fmt.Sprintf("%s.args[%d]", at, i), a)
		if err != nil {
			return nil, err
		}
		ep.args = append(ep.args, v)
		static = static && v.static()
		ep.perUse = ep.perUse || v.perUse
		ep.binary = ep.binary || v.binary
	}
	switch {
	case static:
		ep.static = make([]any, len(ep.args))
		for i, v := range ep.args {
			ep.static[i] = v.raw
		}
	case !ep.perUse && !ep.binary:
		ep.slot = fp.slots
		fp.slots++
	}
	if e.Expect != nil {
		var err error
		if ep.expect, err = compileValue(at+".expect", e.Expect); err != nil {
			return nil, err
		}
	}
	return ep, nil
}

func (p *plan) compileControl(c *scenarios.ControlStep, at string) (*controlPlan, error) {
	a, ok := scenarios.ControlActions()[c.Action]
	if !ok {
		return nil, fmt.Errorf("%s.action: unknown action %q", at, c.Action)
	}
	params := map[string]any{}
	for k, v := range c.Params {
		params[k] = v
	}
	v, err := compileValue(at+".params", params)
	if err != nil {
		return nil, err
	}
	return &controlPlan{name: c.Action, action: a, params: v, once: c.Once}, nil
}

// pick returns the flow for a draw r in [0, total).
func (p *plan) pick(r int) *flowPlan {
	for i, c := range p.cum {
		if r < c {
			return p.flows[i]
		}
	}
	return p.flows[len(p.flows)-1]
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
