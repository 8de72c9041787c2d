package scenarios

import (
	"fmt"
	"math"
	"net"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/internal/client/serverurl"
	"github.com/stampede-sio/stampede/internal/threshold"
)

// Validate checks what the scenario means and returns every problem at once
// (as Errors, each with its line and field when the scenario came from
// Load), or nil. It checks the scenario as WithDefaults would complete it:
//
//   - target: URLs are http:// or https:// URLs; path and namespace start
//     with /; transport is websocket, polling or polling,websocket; sources
//     are IP addresses;
//   - auth: mode mint, file or none; mint needs a user template that
//     parses, file needs tokens_file;
//   - client: timeouts and reconnect delays not negative, delay_max ≥ delay,
//     randomization in [0, 1];
//   - phases: at least one; each kind with its fields (ramp: duration and
//     to ≥ from ≥ 0; constant and hold: duration; arrival: rate > 0 and
//     duration; spike: population > 0) and none of another kind's;
//   - flows: at least one; weights ≥ 0 adding up to more than 0; each step
//     with exactly one kind and its fields (see checkSteps), templates that
//     parse with Funcs;
//   - thresholds: the full grammar with the built-in metric names
//     (threshold.Parse), the one that evaluates them after a run;
//   - server: keys are flag names (lower case, digits, _), values not
//     empty; whether serve knows the flag is serve's to say.
func (s *Scenario) Validate() error {
	c := &checker{s: s.WithDefaults(), seen: map[Error]bool{}}
	c.file = s.file
	c.target()
	c.auth()
	c.client()
	c.phases()
	c.notNegative("teardown", *c.s.Teardown)
	c.flows()
	for i, t := range c.s.Thresholds {
		if _, err := threshold.Parse(t); err != nil {
			c.add(fmt.Sprintf("thresholds[%d]", i), "%s", err.Error())
		}
	}
	for _, key := range sortedKeys(c.s.Server) {
		if !serverKey.MatchString(key) || c.s.Server[key] == "" {
			c.add("server."+key, "want a serve flag without its dashes, - written as _ (ping_interval: 1s), and a value")
		}
	}
	for _, name := range sortedKeys(c.s.Data) {
		if c.s.Data[name] == "" {
			c.add("data."+name, "want the path of a CSV file")
		}
	}
	c.errs.sortByLine()
	return c.errs.err()
}

// serverKey is a serve flag name as a server.* key.
var serverKey = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// checker collects the problems of one scenario.
type checker struct {
	s    *Scenario
	file string
	errs Errors
	seen map[Error]bool // a loop body is checked twice; say each thing once
}

func (c *checker) add(field, format string, args ...any) {
	e := Error{File: c.file, Line: c.s.line(field), Field: field, Msg: fmt.Sprintf(format, args...)}
	if !c.seen[e] {
		c.seen[e] = true
		c.errs = append(c.errs, e)
	}
}

// line finds the line of field, or of its nearest parent that has one.
func (s *Scenario) line(field string) int {
	for field != "" {
		if l, ok := s.lines[field]; ok {
			return l
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			return 0
		}
		field = field[:i]
	}
	return 0
}

func (c *checker) notNegative(field string, d time.Duration) {
	if d < 0 {
		c.add(field, "%v is negative", d)
	}
}

func (c *checker) target() {
	t := c.s.Target
	nsp := "" // a namespace in the URLs (http://host/echo) must be one for all
	for i, u := range t.URLs {
		p, err := serverurl.Parse(u)
		switch {
		case err != nil:
			c.add(fmt.Sprintf("target.urls[%d]", i), "%q is not an http://, https://, ws:// or wss:// URL", u)
		case p.Namespace != "" && nsp != "" && p.Namespace != nsp:
			c.add(fmt.Sprintf("target.urls[%d]", i), "%q names namespace %s, another URL %s: one namespace per run", u, p.Namespace, nsp)
		case p.Namespace != "":
			nsp = p.Namespace
		}
	}
	if !strings.HasPrefix(t.Path, "/") {
		c.add("target.path", "%q does not start with /", t.Path)
	}
	if !strings.HasPrefix(t.Namespace, "/") {
		c.add("target.namespace", "%q does not start with /", t.Namespace)
	}
	switch t.Transport {
	case "websocket", "polling", "polling,websocket":
	default:
		c.add("target.transport", "%q: want websocket, polling or polling,websocket", t.Transport)
	}
	for i, src := range t.Sources {
		if net.ParseIP(src) == nil {
			c.add(fmt.Sprintf("target.sources[%d]", i), "%q is not an IP address", src)
		}
	}
}

func (c *checker) auth() {
	a := c.s.Auth
	switch a.Mode {
	case AuthMint:
		c.template(a.User, "auth.user")
	case AuthFile:
		if a.File == "" {
			c.add("auth.tokens_file", "required with mode file")
		}
	case AuthNone:
	default:
		c.add("auth.mode", "%q: want mint, file or none", a.Mode)
	}
	if a.File != "" && a.Mode != AuthFile {
		c.add("auth.tokens_file", "only used with mode file (mode is %s)", a.Mode)
	}
}

func (c *checker) client() {
	cl := c.s.Client
	c.notNegative("client.ack_timeout", cl.AckTimeout)
	c.notNegative("client.connect_timeout", cl.ConnectTimeout)
	r := cl.Reconnect
	c.notNegative("client.reconnect.delay", r.Delay)
	c.notNegative("client.reconnect.delay_max", r.DelayMax)
	if r.DelayMax < r.Delay {
		c.add("client.reconnect.delay_max", "%v is below delay %v", r.DelayMax, r.Delay)
	}
	if f := *r.Randomization; f < 0 || f > 1 || math.IsNaN(f) {
		c.add("client.reconnect.randomization", "%v is not in [0, 1]", f)
	}
	if r.Attempts < 0 {
		c.add("client.reconnect.attempts", "%d is negative (0 means unlimited)", r.Attempts)
	}
}

func (c *checker) phases() {
	if len(c.s.Phases) == 0 {
		c.add("phases", "at least one phase is required")
	}
	names := map[string]bool{}
	for i, p := range c.s.Phases {
		at := fmt.Sprintf("phases[%d]", i)
		if names[p.Name] {
			c.add(at+".name", "duplicate phase name %q", p.Name)
		}
		names[p.Name] = true
		c.notNegative(at+".duration", p.Duration)
		used := map[string]bool{}
		switch p.Kind {
		case PhaseRamp:
			used = map[string]bool{"from": true, "to": true}
			c.needDuration(at, p)
			if p.From < 0 {
				c.add(at+".from", "%d is negative", p.From)
			}
			if p.To < p.From {
				c.add(at+".to", "%d is below from %d (a ramp goes up; use constant to go down)", p.To, p.From)
			}
		case PhaseConstant:
			used = map[string]bool{"population": true}
			c.needDuration(at, p)
			if p.Population < 0 {
				c.add(at+".population", "%d is negative", p.Population)
			}
		case PhaseArrival:
			used = map[string]bool{"rate": true}
			c.needDuration(at, p)
			if !(p.Rate > 0) {
				c.add(at+".rate", "required: new clients per second, more than 0")
			}
		case PhaseSpike:
			used = map[string]bool{"population": true, "max_in_flight": true}
			if p.Population <= 0 {
				c.add(at+".population", "required: how many clients start, more than 0")
			}
			if p.MaxInFlight <= 0 {
				c.add(at+".max_in_flight", "%d: want more than 0", p.MaxInFlight)
			}
		case PhaseHold:
			c.needDuration(at, p)
		case "":
			c.add(at+".kind", "required: ramp, constant, arrival, spike or hold")
			continue
		default:
			c.add(at+".kind", "%q: want ramp, constant, arrival, spike or hold", p.Kind)
			continue
		}
		for _, f := range []struct {
			name string
			set  bool
		}{{"from", p.From != 0}, {"to", p.To != 0}, {"population", p.Population != 0}, {"rate", p.Rate != 0}, {"max_in_flight", p.MaxInFlight != 0}} {
			if f.set && !used[f.name] {
				c.add(at+"."+f.name, "not used by a %s phase", p.Kind)
			}
		}
	}
}

func (c *checker) needDuration(at string, p Phase) {
	if p.Duration == 0 {
		c.add(at+".duration", "required for a %s phase", p.Kind)
	}
}

// template checks that text, when it is a template, parses.
func (c *checker) template(text, field string) {
	if !IsTemplate(text) {
		return
	}
	if _, err := ParseTemplate("t", text); err != nil {
		c.add(field, "bad template: %s", templateErr.ReplaceAllString(err.Error(), ""))
		return
	}
	if binaryArgLike.MatchString(text) {
		if _, ok := BinaryArg(text); !ok {
			c.add(field, "bytes: at most %d", maxBytes)
		}
	}
}

var (
	templateErr   = regexp.MustCompile(`^template: t:\d+:(\d+:)? ?`)
	binaryArgLike = regexp.MustCompile(`^\{\{-?\s*bytes\s+[0-9]+\s*-?\}\}$`)
)

// templates checks every string in free-form data (args, expect, params).
func (c *checker) templates(v any, field string) {
	switch x := v.(type) {
	case string:
		c.template(x, field)
	case []any:
		for i, e := range x {
			c.templates(e, fmt.Sprintf("%s[%d]", field, i))
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			c.templates(x[k], field+"."+k)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
