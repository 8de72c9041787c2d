package scenarios_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/scenarios"
)

// Load a scenario, apply --set, --vus and --duration, and validate it: what
// `stampede run` and `stampede validate` do.
func Example() {
	s, err := scenarios.Load("mine.yaml", strings.NewReader(`
name: typing
phases:
  - {kind: ramp, from: 0, to: 100, duration: 10s}
  - {kind: hold, duration: 20s}
flows:
  - steps:
      - loop:
          rate: 1
          steps:
            - emit: {event: "events:channel", args: [{channel_id: "{{.Vars.room}}", data: {type: typing}}]}
vars: {room: c0001}
thresholds: ["push_p99{event:events:channel} < 250ms"]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := scenarios.Set(s, "vars.room", "c0002"); err != nil {
		fmt.Println(err)
		return
	}
	s = scenarios.Scale(s, 1000, time.Minute)
	if err := s.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	s = s.WithDefaults()
	fmt.Println(s.Name, s.Peak(), s.Length(), s.Vars["room"], s.Phases[0].Duration, s.Target.URLs[0]+s.Target.Path)
	// Output: typing 1000 1m0s c0002 20s http://127.0.0.1:8080/ws/socket.io
}

// Every problem comes at once, each with its line and field.
func ExampleLoad_errors() {
	_, err := scenarios.Load("room-fanout.yaml", strings.NewReader(`name: x
phases:
  - {kind: hold, duration: 30 seconds}
flows:
  - steps:
      - emit: {event: x}
        think: {fixed: 1s}
      - emit_with_ack: {event: y, timeout: 5 seconds, tga: z}
`))
	fmt.Println(err)
	// Output:
	// room-fanout.yaml:3: phases[0].duration: "30 seconds" is not a duration (want e.g. 300ms, 2m)
	// room-fanout.yaml:6: flows[0].steps[0]: a step has exactly one key, the step's kind; got 2 (emit, think)
	// room-fanout.yaml:8: flows[0].steps[1].emit_with_ack.timeout: "5 seconds" is not a duration (want e.g. 300ms, 2m)
	// room-fanout.yaml:8: flows[0].steps[1].emit_with_ack.tga: unknown field (want one of event, args, timeout, expect, tag)
}

func ExampleScenario_Validate() {
	s, _ := scenarios.Load("x.yaml", strings.NewReader(`phases:
  - {kind: ramp, to: 10}
flows:
  - steps:
      - disconnect
      - emit: {event: late}
`))
	fmt.Println(s.Validate())
	// Output:
	// x.yaml:2: phases[0].duration: required for a ramp phase
	// x.yaml:6: flows[0].steps[1].emit: needs a connection, but the flow has disconnected: connect or reconnect first
}
