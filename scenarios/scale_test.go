package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPeakAndLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		phases []Phase
		peak   int
		length time.Duration
	}{
		{"ramp then hold", []Phase{{Kind: PhaseRamp, From: 0, To: 1000, Duration: 10 * time.Second}, {Kind: PhaseHold, Duration: 30 * time.Second}}, 1000, 40 * time.Second},
		{"ramp starting high", []Phase{{Kind: PhaseRamp, From: 50, To: 50, Duration: time.Second}}, 50, time.Second},
		{"spikes add up", []Phase{{Kind: PhaseSpike, Population: 100}, {Kind: PhaseSpike, Population: 50, Duration: time.Second}}, 150, time.Second},
		{"arrivals stay", []Phase{{Kind: PhaseArrival, Rate: 10, Duration: 30 * time.Second}, {Kind: PhaseHold, Duration: time.Second}}, 300, 31 * time.Second},
		{"constant sets, 0 keeps", []Phase{{Kind: PhaseSpike, Population: 10}, {Kind: PhaseConstant, Duration: time.Second}, {Kind: PhaseConstant, Population: 500, Duration: time.Second}, {Kind: PhaseConstant, Population: 20, Duration: time.Second}}, 500, 3 * time.Second},
		{"nothing", []Phase{{Kind: PhaseHold, Duration: time.Second}}, 0, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &Scenario{Phases: tt.phases}
			assert.Equal(t, tt.peak, s.Peak())
			assert.Equal(t, tt.length, s.Length())
		})
	}
}

func TestScale(t *testing.T) {
	t.Parallel()
	const src = `phases:
  - {kind: ramp, from: 10, to: 100, duration: 10s}
  - {kind: spike, population: 50, max_in_flight: 8}
  - {kind: arrival, rate: 5, duration: 10s}
  - {kind: hold, duration: 20s}
flows:
  - steps:
      - think: {until: 8s}
      - think: {fixed: 2s}
      - listen: {events: [a], for: 4s}
      - loop: {duration: 6s, rate: 2, count: 3, steps: [{vanish: {for: 2s}}]}
      - emit_with_ack: {event: x, timeout: 3s}
`
	// Peak: ramp to 100, spike +50, arrival +5/s × 10s: 200.
	tests := []struct {
		name     string
		vus      int
		duration time.Duration
		check    func(t *testing.T, s *Scenario)
	}{
		{"nothing", 0, 0, func(t *testing.T, s *Scenario) {
			assert.Equal(t, 200, s.Peak())
			assert.Equal(t, 40*time.Second, s.Length())
		}},
		{"vus up", 1000, 0, func(t *testing.T, s *Scenario) {
			assert.Equal(t, 1000, s.Peak())
			assert.Equal(t, []int{50, 500}, []int{s.Phases[0].From, s.Phases[0].To})
			assert.Equal(t, 250, s.Phases[1].Population)
			assert.Equal(t, 8, s.Phases[1].MaxInFlight, "dials in flight stay")
			assert.InDelta(t, 25.0, s.Phases[2].Rate, 1e-9)
			assert.Equal(t, 40*time.Second, s.Length(), "durations stay")
		}},
		{"vus down keeps every population", 2, 0, func(t *testing.T, s *Scenario) {
			assert.Equal(t, []int{1, 1}, []int{s.Phases[0].From, s.Phases[0].To})
			assert.Equal(t, 1, s.Phases[1].Population)
			assert.InDelta(t, 0.05, s.Phases[2].Rate, 1e-9)
		}},
		{"duration", 0, 10 * time.Second, func(t *testing.T, s *Scenario) {
			assert.Equal(t, 10*time.Second, s.Length())
			assert.Equal(t, []time.Duration{2500 * time.Millisecond, 0, 2500 * time.Millisecond, 5 * time.Second},
				[]time.Duration{s.Phases[0].Duration, s.Phases[1].Duration, s.Phases[2].Duration, s.Phases[3].Duration})
			steps := s.Flows[0].Steps
			assert.Equal(t, 2*time.Second, steps[0].Think.Until, "the timeline scales")
			assert.Equal(t, 2*time.Second, steps[1].Think.Fixed, "pauses do not")
			assert.Equal(t, time.Second, steps[2].Listen.For)
			assert.Equal(t, 1500*time.Millisecond, steps[3].Loop.Duration)
			assert.Equal(t, 2.0, steps[3].Loop.Rate, "rates do not")
			assert.Equal(t, 3, steps[3].Loop.Count, "counts do not")
			assert.Equal(t, 500*time.Millisecond, steps[3].Loop.Steps[0].Vanish.For)
			assert.Equal(t, 3*time.Second, steps[4].EmitWithAck.Timeout, "timeouts do not")
			assert.Equal(t, 163, s.Peak(), "rates stay: a shorter arrival phase brings fewer clients")
		}},
		{"duration, then vus", 400, 2 * time.Minute, func(t *testing.T, s *Scenario) {
			assert.Equal(t, 2*time.Minute, s.Length())
			assert.Equal(t, 400, s.Peak())
		}},
		{"odd duration adds up exactly", 0, 7*time.Second + 333*time.Millisecond, func(t *testing.T, s *Scenario) {
			assert.Equal(t, 7*time.Second+333*time.Millisecond, s.Length())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Load("s.yaml", strings.NewReader(src))
			require.NoError(t, err)
			orig := s.Clone()
			got := Scale(s, tt.vus, tt.duration)
			assert.Equal(t, orig, s, "Scale returns a copy")
			tt.check(t, got)
			assert.NoError(t, got.Validate())
		})
	}
}

func TestScaleBuiltins(t *testing.T) {
	t.Parallel()
	for _, name := range BuiltinNames() {
		s, err := Builtin(name)
		require.NoError(t, err)
		for _, size := range []struct {
			vus int
			d   time.Duration
		}{{10, 5 * time.Second}, {20000, 10 * time.Minute}} {
			got := Scale(s, size.vus, size.d)
			assert.Equal(t, size.d, got.Length(), name)
			assert.InDelta(t, size.vus, got.Peak(), 1, name)
			assert.NoError(t, got.Validate(), name)
		}
	}
}
