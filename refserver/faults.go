package refserver

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/refserver/webui"
)

// Faults are deliberate misbehaviours, off by default, for testing clients
// and for showing that each conformance case can fail. Each names the
// behaviour ID it breaks.
type Faults struct {
	AcceptBadTokens        bool          // AUTH-1, AUTH-3: any token naming a known user is accepted
	DropAcks               bool          // SIO-4, AUTH-4, ECHO-4: no ack is ever sent
	NoPing                 bool          // EIO-5: the server never pings
	LeakUserRooms          bool          // AUTH-5, CHAT-1: user-join keeps the previous user's room
	EchoTypingToOthersOnly bool          // CHAN-2: typing is not echoed to its sender
	DelayEvents            time.Duration // latency: every incoming event waits this long before it is handled
	// DelayEventsAbove limits DelayEvents to the times when more than this
	// many Socket.IO sockets are connected (0: always): a server that
	// slows down past a population, for capacity searches to find.
	DelayEventsAbove int64
	App              webui.Faults // the open-webui layer's own faults (faults_app.go)

	// Engine.IO faults, one per conformance case they break (conformance/engineio).
	LazyPongTimer        bool // EIO-6: on polling the pong timeout starts when a GET takes the ping, not when it is queued
	EagerPoll            bool // EIO-8: a GET with nothing to send is answered at once with a noop, not held
	EnforcePayload       int  // EIO-10: when positive, the size limit actually enforced, while maxPayload is announced
	BinaryAsText         bool // EIO-11: binary messages go out as text messages carrying base64 (`4<base64>`)
	AllowSecondWebsocket bool // EIO-15: a second websocket for an upgraded session is accepted and left open
	RacyUpgrade          bool // EIO-9: `2probe` queues a noop with no GET pending; requests after the probe are not held
	RacyPostClose        bool // EIO-8: a POST `1` with no GET pending ends the session at once
	RacyPingTimeout      bool // EIO-5: the ping timeout is left to a late timer; a GET at the deadline takes the ping

	// Redis-mode faults (faults_scale.go), one per SCALE or SESS-5 case.
	Scale ScaleFaults
	// Faults that remove a limit of section 12 (faults_limits.go).
	Limits LimitFaults
}

// faultSetters is the one list of fault names (serve --fault NAME[=ARG]).
var faultSetters = map[string]func(f *Faults, arg string) error{
	"accept-bad-tokens":          flagFault(func(f *Faults) { f.AcceptBadTokens = true }),
	"drop-acks":                  flagFault(func(f *Faults) { f.DropAcks = true }),
	"no-ping":                    flagFault(func(f *Faults) { f.NoPing = true }),
	"leak-user-rooms":            flagFault(func(f *Faults) { f.LeakUserRooms = true }),
	"echo-typing-to-others-only": flagFault(func(f *Faults) { f.EchoTypingToOthersOnly = true }),
	"lazy-pong-timer":            flagFault(func(f *Faults) { f.LazyPongTimer = true }),
	"eager-poll":                 flagFault(func(f *Faults) { f.EagerPoll = true }),
	"binary-as-text":             flagFault(func(f *Faults) { f.BinaryAsText = true }),
	"allow-second-websocket":     flagFault(func(f *Faults) { f.AllowSecondWebsocket = true }),
	"racy-upgrade":               flagFault(func(f *Faults) { f.RacyUpgrade = true }),
	"racy-post-close":            flagFault(func(f *Faults) { f.RacyPostClose = true }),
	"racy-ping-timeout":          flagFault(func(f *Faults) { f.RacyPingTimeout = true }),
	"enforce-payload": func(f *Faults, arg string) error {
		n, err := strconv.Atoi(arg)
		if err != nil || n <= 0 {
			return fmt.Errorf("enforce-payload wants a positive byte count, e.g. enforce-payload=999999")
		}
		f.EnforcePayload = n
		return nil
	},
	"delay-events-above": func(f *Faults, arg string) error {
		n, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("delay-events-above wants a positive socket count, e.g. delay-events-above=500")
		}
		f.DelayEventsAbove = n
		return nil
	},
	"delay-events": func(f *Faults, arg string) error {
		d, err := time.ParseDuration(arg)
		if err != nil || d <= 0 {
			return fmt.Errorf("delay-events wants a positive duration, e.g. delay-events=200ms")
		}
		f.DelayEvents = d
		return nil
	},
}

func flagFault(set func(*Faults)) func(*Faults, string) error {
	return func(f *Faults, arg string) error {
		if arg != "" {
			return fmt.Errorf("takes no argument")
		}
		set(f)
		return nil
	}
}

// FaultNames lists the known fault names, sorted.
func FaultNames() []string {
	out := make([]string, 0, len(faultSetters)+len(appFaultSetters))
	for n := range faultSetters {
		out = append(out, n)
	}
	for n := range appFaultSetters {
		out = append(out, n)
	}
	for n := range scaleFaultSetters {
		out = append(out, n)
	}
	for n := range limitFaultSetters {
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
		set, ok = appFaultSetters[name]
	}
	if !ok {
		set, ok = scaleFaultSetters[name]
	}
	if !ok {
		set, ok = limitFaultSetters[name]
	}
	if !ok {
		return fmt.Errorf("%w: unknown fault %q (known: %s)", ErrConfig, name, strings.Join(FaultNames(), ", "))
	}
	if err := set(f, arg); err != nil {
		return fmt.Errorf("%w: fault %s: %v", ErrConfig, name, err)
	}
	return nil
}
