package scenarios

import (
	"fmt"
	"reflect"
	"time"
)

// The defaults WithDefaults fills in (PROTOCOL.md section 9, CLI.md).
const (
	DefaultURL       = "http://127.0.0.1:8080" // stampede serve
	DefaultPath      = "/ws/socket.io"
	DefaultTransport = "websocket"
	DefaultNamespace = "/"
	// DefaultUser gives client 0 the user u000002, client 1 u000003, …: the
	// generated population of stampede serve, leaving the admin u000001 to
	// control actions.
	DefaultUser              = `u{{printf "%06d" (add .Index 2)}}`
	DefaultExpires           = time.Hour
	DefaultAckTimeout        = 10 * time.Second
	DefaultConnectTimeout    = 20 * time.Second // CLIENT-3
	DefaultReconnectDelay    = time.Second      // CLIENT-3
	DefaultReconnectDelayMax = 5 * time.Second  // CLIENT-3
	DefaultRandomization     = 0.5              // CLIENT-3
	DefaultMaxInFlight       = 128              // PERFORMANCE.md: no gain beyond
	DefaultWeight            = 1
	DefaultTeardown          = 2 * time.Second // Scenario.Teardown
)

// WithDefaults returns a copy of s with every unset field at its default:
// target URL http://127.0.0.1:8080, path /ws/socket.io, transport
// websocket, namespace /, auth mode mint with DefaultUser and 1h tokens,
// user_join and fetch_config true, ack_timeout 10s, connect_timeout 20s,
// reconnect enabled with delay 1s, delay_max 5s, randomization 0.5, metrics
// scraping on, teardown 2s, spike max_in_flight 128, flow weight 1, names phase-<i> and
// flow-<i>, and in steps: connect's namespace the target's, emit's tag its
// event, emit_with_ack's and wait_for's timeout the client's ack_timeout.
// Heartbeat stays 0 (take the server's interval from /api/config).
func (s *Scenario) WithDefaults() *Scenario {
	c := s.Clone()
	t := &c.Target
	if len(t.URLs) == 0 {
		t.URLs = []string{DefaultURL}
	}
	setDefault(&t.Path, DefaultPath)
	setDefault(&t.Transport, DefaultTransport)
	setDefault(&t.Namespace, DefaultNamespace)
	setDefault(&t.Metrics, ptr(true))
	setDefault(&c.Teardown, ptr(DefaultTeardown))

	setDefault(&c.Auth.Mode, AuthMint)
	setDefault(&c.Auth.User, DefaultUser)
	setDefault(&c.Auth.Expires, DefaultExpires)

	cl := &c.Client
	setDefault(&cl.UserJoin, ptr(true))
	setDefault(&cl.FetchConfig, ptr(true))
	setDefault(&cl.AckTimeout, DefaultAckTimeout)
	setDefault(&cl.ConnectTimeout, DefaultConnectTimeout)
	setDefault(&cl.Reconnect.Enabled, ptr(true))
	setDefault(&cl.Reconnect.Delay, DefaultReconnectDelay)
	setDefault(&cl.Reconnect.DelayMax, DefaultReconnectDelayMax)
	setDefault(&cl.Reconnect.Randomization, ptr(DefaultRandomization))

	for i := range c.Phases {
		p := &c.Phases[i]
		setDefault(&p.Name, fmt.Sprintf("phase-%d", i))
		if p.Kind == PhaseSpike {
			setDefault(&p.MaxInFlight, DefaultMaxInFlight)
		}
	}
	for i := range c.Flows {
		f := &c.Flows[i]
		setDefault(&f.Name, fmt.Sprintf("flow-%d", i))
		setDefault(&f.Weight, ptr(DefaultWeight))
		stepDefaults(f.Steps, c)
	}
	return c
}

func stepDefaults(steps []Step, c *Scenario) {
	for i := range steps {
		st := &steps[i]
		if st.Connect != nil {
			setDefault(&st.Connect.Namespace, c.Target.Namespace)
		}
		for _, e := range []*EmitStep{st.Emit, st.EmitWithAck} {
			if e != nil {
				setDefault(&e.Tag, e.Event)
			}
		}
		if st.EmitWithAck != nil {
			setDefault(&st.EmitWithAck.Timeout, c.Client.AckTimeout)
		}
		if st.WaitFor != nil {
			setDefault(&st.WaitFor.Timeout, c.Client.AckTimeout)
		}
		if st.Loop != nil {
			stepDefaults(st.Loop.Steps, c)
		}
	}
}

// setDefault sets *v to def when *v is the zero value.
func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func ptr[T any](v T) *T { return &v }

// Clone returns a deep copy of s: changing the copy (Set, Scale) leaves s
// as it was.
func (s *Scenario) Clone() *Scenario {
	c := deepCopy(reflect.ValueOf(s).Elem()).Interface().(Scenario)
	return &c
}

// deepCopy copies v with everything it points to. Unexported fields are
// copied shallowly (the line table is never changed after Load).
func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(deepCopy(v.Elem()))
		return p
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		for i := range v.NumField() {
			if c.Field(i).CanSet() {
				c.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return c
	case reflect.Slice:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			c.Index(i).Set(deepCopy(v.Index(i)))
		}
		return c
	case reflect.Map:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			c.SetMapIndex(it.Key(), deepCopy(it.Value()))
		}
		return c
	case reflect.Interface:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		c := reflect.New(v.Type()).Elem()
		c.Set(deepCopy(v.Elem()))
		return c
	}
	return v
}
