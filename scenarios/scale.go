package scenarios

import (
	"math"
	"time"
)

// Length is the run's planned length: the sum of the phases' durations.
func (s *Scenario) Length() time.Duration {
	var total time.Duration
	for _, p := range s.Phases {
		total += p.Duration
	}
	return total
}

// Peak estimates the largest number of clients connected at once, from the
// phases alone, assuming that clients stay until the run ends (a client
// whose flow ends connected does): ramp reaches max(from, to) and leaves to;
// constant sets its population (0: keeps the current); spike adds its
// population; arrival adds rate × duration; hold keeps the current. Flows
// that disconnect early make the real peak lower.
func (s *Scenario) Peak() int {
	cur, peak := 0.0, 0.0
	for _, p := range s.Phases {
		switch p.Kind {
		case PhaseRamp:
			peak = math.Max(peak, float64(p.From))
			cur = float64(p.To)
		case PhaseConstant:
			if p.Population > 0 {
				cur = float64(p.Population)
			}
		case PhaseSpike:
			cur += float64(p.Population)
		case PhaseArrival:
			cur += p.Rate * p.Duration.Seconds()
		}
		peak = math.Max(peak, cur)
	}
	return int(math.Round(peak))
}

// Scale returns a copy of s resized for --vus and --duration (a value ≤ 0
// leaves that side alone).
//
// duration: every phase's duration is multiplied by duration/Length(), so
// the phases keep their proportions and add up to duration (to the
// millisecond). The flows' timeline durations scale by the same factor:
// think.until, loop.duration, listen.for and vanish.for. Pauses (think
// fixed/min/max), timeouts, loop rates, counts and arrival rates do not:
// they are how clients behave, not how long the run is (so a shorter
// arrival phase brings fewer clients, unless --vus is given too).
//
// vus, applied after duration: ramp from/to, constant and spike populations
// and arrival rates are multiplied by vus/Peak(), so that Peak() becomes vus
// (within rounding; a population that was above 0 stays at least 1). Spike
// max_in_flight, loop rates and the user template are left alone: a user
// template that wraps the index with mod keeps its number of users.
func Scale(s *Scenario, vus int, duration time.Duration) *Scenario {
	c := s.Clone()
	if length := c.Length(); duration > 0 && length > 0 {
		f := float64(duration) / float64(length)
		var sum time.Duration
		last := -1
		for i := range c.Phases {
			c.Phases[i].Duration = scaleDuration(c.Phases[i].Duration, f)
			if c.Phases[i].Duration > 0 {
				sum += c.Phases[i].Duration
				last = i
			}
		}
		if rest := duration.Round(time.Millisecond) - sum; last >= 0 && c.Phases[last].Duration+rest > 0 {
			c.Phases[last].Duration += rest // rounding: the total is exactly duration
		}
		for i := range c.Flows {
			scaleSteps(c.Flows[i].Steps, f)
		}
	}
	if peak := c.Peak(); vus > 0 && peak > 0 {
		f := float64(vus) / float64(peak)
		for i := range c.Phases {
			p := &c.Phases[i]
			p.From = scaleCount(p.From, f)
			p.To = scaleCount(p.To, f)
			p.Population = scaleCount(p.Population, f)
			p.Rate *= f
		}
	}
	return c
}

func scaleSteps(steps []Step, f float64) {
	for i := range steps {
		st := &steps[i]
		switch {
		case st.Think != nil:
			st.Think.Until = scaleDuration(st.Think.Until, f)
		case st.Loop != nil:
			st.Loop.Duration = scaleDuration(st.Loop.Duration, f)
			scaleSteps(st.Loop.Steps, f)
		case st.Listen != nil:
			st.Listen.For = scaleDuration(st.Listen.For, f)
		case st.Vanish != nil:
			st.Vanish.For = scaleDuration(st.Vanish.For, f)
		}
	}
}

// scaleDuration multiplies d by f, to the millisecond, keeping a positive d
// at least 1ms.
func scaleDuration(d time.Duration, f float64) time.Duration {
	if d <= 0 {
		return d
	}
	out := time.Duration(math.Round(float64(d)*f/float64(time.Millisecond))) * time.Millisecond
	return max(out, time.Millisecond)
}

func scaleCount(n int, f float64) int {
	if n <= 0 {
		return n
	}
	return max(int(math.Round(float64(n)*f)), 1)
}
