package refserver

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// healthPingTimeout is how long /healthz waits for Redis to answer PING
// before calling it unresponsive: a stalled Redis (CLIENT PAUSE, a frozen
// host) keeps the subscription's connection open, so only an answer shows
// it is alive (SCALE-3).
const healthPingTimeout = time.Second

// healthPing runs at most one PING at a time for /healthz; probes that
// arrive meanwhile share its answer, so a load balancer probing a stalled
// Redis does not take one pool connection per probe.
type healthPing struct {
	mu     sync.Mutex
	flight *pingFlight
}

type pingFlight struct {
	done chan struct{} // closed when err is set
	err  error
}

// ping returns nil when Redis answered PING within healthPingTimeout.
func (h *healthPing) ping(c *redis.Client) error {
	h.mu.Lock()
	if f := h.flight; f != nil {
		h.mu.Unlock()
		<-f.done
		return f.err
	}
	f := &pingFlight{done: make(chan struct{})}
	h.flight = f
	h.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), healthPingTimeout)
	f.err = c.Ping(ctx).Err()
	cancel()
	h.mu.Lock()
	h.flight = nil
	h.mu.Unlock()
	close(f.done)
	return f.err
}

// health is the body of /healthz.
type health struct {
	Status    string     `json:"status"`          // ok, degraded
	Redis     string     `json:"redis,omitempty"` // subscribed, unresponsive, down
	Processes *Processes `json:"processes,omitempty"`
}

// Processes is the state of a group of processes sharing one port (serve
// --processes): Up of them serve, Of are wanted.
type Processes struct {
	Up int `json:"up"`
	Of int `json:"of"`
}

// SetProcesses makes /healthz report the group this server belongs to;
// fewer up than wanted makes its status "degraded" (still 200: the port
// serves, and a load balancer must not drop every process for one missing).
func (s *Server) SetProcesses(p Processes) { s.group.Store(&p) }
