package refserver

import (
	"fmt"
	"sort"
	"strings"
	"time"
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
}

// faultSetters is the one list of fault names (serve --fault NAME[=ARG]).
var faultSetters = map[string]func(f *Faults, arg string) error{
	"accept-bad-tokens":          flagFault(func(f *Faults) { f.AcceptBadTokens = true }),
	"drop-acks":                  flagFault(func(f *Faults) { f.DropAcks = true }),
	"no-ping":                    flagFault(func(f *Faults) { f.NoPing = true }),
	"leak-user-rooms":            flagFault(func(f *Faults) { f.LeakUserRooms = true }),
	"echo-typing-to-others-only": flagFault(func(f *Faults) { f.EchoTypingToOthersOnly = true }),
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
		return fmt.Errorf("%w: unknown fault %q (known: %s)", ErrConfig, name, strings.Join(FaultNames(), ", "))
	}
	if err := set(f, arg); err != nil {
		return fmt.Errorf("%w: fault %s: %v", ErrConfig, name, err)
	}
	return nil
}
