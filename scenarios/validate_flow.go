package scenarios

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Kind returns the YAML name of the step's kind (emit, loop, …), or "" when
// no kind or more than one is set.
func (st *Step) Kind() string { return stepKindOf(reflect.ValueOf(st).Elem()) }

func stepKindOf(v reflect.Value) string {
	kind := ""
	for _, f := range stepKinds {
		if !v.Field(f.index).IsNil() {
			if kind != "" {
				return ""
			}
			kind = f.name
		}
	}
	return kind
}

var stepKinds = fieldsOf(stepType)

func stepKindNames() string {
	names := make([]string, len(stepKinds))
	for i, f := range stepKinds {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

func (c *checker) flows() {
	if len(c.s.Flows) == 0 {
		c.add("flows", "at least one flow is required")
		return
	}
	sum := 0
	names := map[string]bool{}
	for i, f := range c.s.Flows {
		at := fmt.Sprintf("flows[%d]", i)
		if names[f.Name] {
			c.add(at+".name", "duplicate flow name %q", f.Name)
		}
		names[f.Name] = true
		if *f.Weight < 0 {
			c.add(at+".weight", "%d is negative", *f.Weight)
		} else {
			sum += *f.Weight
		}
		// The steps run after an implicit connect unless the first is connect.
		connected := len(f.Steps) == 0 || f.Steps[0].Connect == nil
		c.checkSteps(f.Steps, at+".steps", connected)
	}
	if sum == 0 {
		c.add("flows", "the weights add up to 0: no flow would run")
	}
}

// checkSteps checks a list of steps entered connected or not, and returns
// whether the list ends connected and whether it lasts until the run ends.
func (c *checker) checkSteps(steps []Step, at string, connected bool) (endConnected, forever bool) {
	unreachable := false
	for i := range steps {
		st := &steps[i]
		sat := fmt.Sprintf("%s[%d]", at, i)
		if forever && !unreachable {
			c.add(sat, "never runs: the step before it lasts until the run ends")
			unreachable = true // say it once, and still check what follows
		}
		kind := st.Kind()
		if kind == "" {
			c.add(sat, "a step has exactly one kind (one of %s)", stepKindNames())
			continue
		}
		kat := sat + "." + kind
		needs := func() {
			if !connected {
				c.add(kat, "needs a connection, but the flow has disconnected: connect or reconnect first")
			}
		}
		switch kind {
		case "connect":
			if connected {
				c.add(kat, "already connected: a flow connects before its first step unless that step is connect; connect again only after a disconnect")
			}
			if !strings.HasPrefix(st.Connect.Namespace, "/") {
				c.add(kat+".namespace", "%q does not start with /", st.Connect.Namespace)
			}
			connected = true
		case "emit", "emit_with_ack":
			needs()
			c.emit(st, kind, kat)
		case "wait_for":
			needs()
			w := st.WaitFor
			c.event(w.Event, kat+".event")
			c.notNegative(kat+".timeout", w.Timeout)
			c.templates(w.Match, kat+".match")
		case "listen":
			needs()
			l := st.Listen
			if len(l.Events) == 0 {
				c.add(kat+".events", "required: the event names to count")
			}
			for j, e := range l.Events {
				c.event(e, fmt.Sprintf("%s.events[%d]", kat, j))
			}
			c.notNegative(kat+".for", l.For)
			forever = forever || l.For == 0
		case "think":
			c.think(st.Think, kat)
		case "loop":
			var bodyForever bool
			connected, bodyForever = c.loop(st.Loop, kat, connected)
			forever = forever || bodyForever || (st.Loop.Rate > 0 && st.Loop.Count == 0 && st.Loop.Duration == 0)
		case "disconnect":
			if !connected {
				c.add(kat, "already disconnected")
			}
			connected = false
		case "reconnect":
			connected = true
		case "vanish":
			needs()
			c.notNegative(kat+".for", st.Vanish.For)
			forever = forever || st.Vanish.For == 0
		case "control":
			c.control(st.Control, kat)
		}
	}
	return connected, forever
}

func (c *checker) event(name, field string) {
	if strings.TrimSpace(name) == "" {
		c.add(field, "required: an event name")
	}
}

func (c *checker) emit(st *Step, kind, at string) {
	e := st.Emit
	if kind == "emit_with_ack" {
		e = st.EmitWithAck
	}
	c.event(e.Event, at+".event")
	c.notNegative(at+".timeout", e.Timeout)
	if kind == "emit" && e.Timeout != 0 {
		c.add(at+".timeout", "an emit waits for no ack: use emit_with_ack")
	}
	if kind == "emit" && e.Expect != nil {
		c.add(at+".expect", "an emit gets no ack to check: use emit_with_ack")
	}
	c.templates(e.Args, at+".args")
	c.templates(e.Expect, at+".expect")
}

func (c *checker) think(t *ThinkStep, at string) {
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"fixed", t.Fixed}, {"min", t.Min}, {"max", t.Max}, {"until", t.Until}} {
		c.notNegative(at+"."+f.name, f.d)
	}
	n := 0
	for _, set := range []bool{t.Fixed != 0, t.Min != 0 || t.Max != 0, t.Until != 0} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		c.add(at, "set fixed, min and max, or until")
	case n > 1:
		c.add(at, "set only one of fixed, min and max, until")
	}
	if t.Min > t.Max {
		c.add(at+".min", "%v is above max %v", t.Min, t.Max)
	}
	if length := c.s.Length(); t.Until != 0 && length > 0 && t.Until >= length {
		c.add(at+".until", "%v is not before the run ends (the phases last %v)", t.Until, length)
	}
}

// loop checks a loop and its body; a body that changes the connection runs
// a second time from the state the first pass left.
func (c *checker) loop(l *LoopStep, at string, connected bool) (endConnected, forever bool) {
	if l.Count < 0 {
		c.add(at+".count", "%d is negative", l.Count)
	}
	c.notNegative(at+".duration", l.Duration)
	if l.Rate < 0 {
		c.add(at+".rate", "%v is negative", l.Rate)
	}
	switch {
	case l.Phase != "" && l.Phase != LoopPhaseRandom && l.Phase != LoopPhaseAligned && l.Phase != LoopPhaseExact:
		c.add(at+".phase", "%q: want %s, %s or %s", l.Phase, LoopPhaseRandom, LoopPhaseAligned, LoopPhaseExact)
	case l.Phase != "" && l.Rate <= 0:
		c.add(at+".phase", "only a loop with a rate has a phase")
	}
	if l.Count <= 0 && l.Duration <= 0 && l.Rate <= 0 {
		c.add(at, "set count, duration or rate (rate alone repeats until the run ends)")
	}
	if len(l.Steps) == 0 {
		c.add(at+".steps", "required: the steps to repeat")
		return connected, false
	}
	after, forever := c.checkSteps(l.Steps, at+".steps", connected)
	if after != connected && !forever {
		after, _ = c.checkSteps(l.Steps, at+".steps", after)
	}
	return after, forever
}

func (c *checker) control(ct *ControlStep, at string) {
	if ct.Action == "" {
		c.add(at+".action", "required: one of %s", strings.Join(controlActionNames(), ", "))
		return
	}
	a, ok := ControlActions()[ct.Action]
	if !ok {
		c.add(at+".action", "%q: want one of %s", ct.Action, strings.Join(controlActionNames(), ", "))
		return
	}
	for _, p := range a.Required {
		if _, ok := ct.Params[p]; !ok {
			c.add(at+".params", "%s needs %s", ct.Action, p)
		}
	}
	if mode, ok := ct.Params["mode"].(string); ok && ct.Action == "drop" && !IsTemplate(mode) && mode != "close" && mode != "transport" {
		c.add(at+".params.mode", "%q: want close or transport", mode)
	}
	c.templates(map[string]any(ct.Params), at+".params")
}
