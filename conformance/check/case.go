package check

import (
	"context"
	"strings"
	"time"
)

// Level is how much a case weighs: MUST cases decide the exit code; SHOULD
// cases only under --strict.
type Level uint8

// The levels of PROTOCOL.md.
const (
	Must Level = iota
	Should
)

func (l Level) String() string {
	if l == Should {
		return "SHOULD"
	}
	return "MUST"
}

// Layer groups cases by what they need of the target.
type Layer string

// The layers.
const (
	LayerEngineIO Layer = "engineio" // the echo contract's raw Engine.IO endpoint and the Socket.IO path
	LayerSocketIO Layer = "socketio" // the echo namespace
	LayerApp      Layer = "app"      // open-webui's behaviour on namespace "/"
	LayerScale    Layer = "scale"    // two instances of one deployment (--peer)
	// LayerLimits is hostile input (PROTOCOL.md section 12): opt-in, never
	// part of the default layers, since its cases attack the target and
	// wait up to a minute for its timeouts.
	LayerLimits Layer = "limits"
)

// Case is one checkable requirement.
type Case struct {
	// ID is the behaviour ID, then "/" and the condition when an ID has
	// several: "AUTH-1/expired", "EIO-8/polling".
	ID          string
	Requirement string // the sentence of PROTOCOL.md the case checks
	Level       Level
	Layer       Layer
	// Upstream is set when the requirement, or part of it, is PROTOCOL.md's
	// own choice, stricter than the upstream protocol spec: what upstream
	// asks instead ("SHOULD: …"). The case fails that part with
	// T.FailStricter, which ends it warn: the exit code decides on it only
	// under --strict. Empty: the requirement is upstream's.
	Upstream string
	// Timeout bounds the case; zero means the runner's default, derived
	// from the target's ping timings.
	Timeout time.Duration
	Run     func(ctx context.Context, t *T)
}

// Spec is the behaviour ID without the condition: "AUTH-1".
func (c Case) Spec() string {
	id, _, _ := strings.Cut(c.ID, "/")
	return id
}

// Section is the ID's family: "AUTH".
func (c Case) Section() string {
	s, _, _ := strings.Cut(c.ID, "-")
	return s
}
