package webui

import (
	"context"
	"sort"
	"sync"
	"time"
)

// SessionEntry is a session pool value (AUTH-2): the user minus its private
// fields, plus last_seen_at (unix seconds).
type SessionEntry struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Email        string          `json:"email"`
	Role         Role            `json:"role"`
	Permissions  map[string]bool `json:"permissions,omitempty"`
	LastActiveAt int64           `json:"last_active_at"`
	LastSeenAt   int64           `json:"last_seen_at"`
}

func entryFor(u User, now int64) SessionEntry {
	return SessionEntry{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Permissions: u.Permissions,
		LastActiveAt: u.LastActiveAt, LastSeenAt: now}
}

// SessionPool maps Socket.IO sids to sessions (AUTH-2, SESS-2, SESS-3). With
// Redis it is the hash {prefix}:session_pool (SCALE-2).
type SessionPool interface {
	Set(sid string, e SessionEntry) error
	Get(sid string) (SessionEntry, bool, error)
	Delete(sid string) error
	// Expire removes entries last seen before the given time (SESS-3).
	Expire(before int64) ([]string, error)
	All() (map[string]SessionEntry, error)
}

// MemorySessions is a SessionPool in process memory.
type MemorySessions struct {
	mu sync.RWMutex
	m  map[string]SessionEntry
}

var _ SessionPool = (*MemorySessions)(nil)

// NewMemorySessions returns an empty pool.
func NewMemorySessions() *MemorySessions { return &MemorySessions{m: map[string]SessionEntry{}} }

// Set stores a session.
func (p *MemorySessions) Set(sid string, e SessionEntry) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[sid] = e
	return nil
}

// Get returns a session.
func (p *MemorySessions) Get(sid string) (SessionEntry, bool, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	e, ok := p.m[sid]
	return e, ok, nil
}

// Delete removes a session.
func (p *MemorySessions) Delete(sid string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, sid)
	return nil
}

// Expire removes sessions last seen before the given time.
func (p *MemorySessions) Expire(before int64) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var gone []string
	for sid, e := range p.m {
		if e.LastSeenAt < before {
			delete(p.m, sid)
			gone = append(gone, sid)
		}
	}
	sort.Strings(gone)
	return gone, nil
}

// All returns a copy of the pool.
func (p *MemorySessions) All() (map[string]SessionEntry, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make(map[string]SessionEntry, len(p.m))
	for k, v := range p.m {
		out[k] = v
	}
	return out, nil
}

// UsageStore records which sids are generating with which model (CHAT-4).
// With Redis it is the hash {prefix}:usage_pool, model → JSON
// {sid: {"updated_at": unix}} (SCALE-2). Implementations are safe for
// concurrent use.
type UsageStore interface {
	// Mark records that sid uses model at now (unix seconds).
	Mark(model, sid string, now int64) error
	// DropSID forgets every entry of a sid (SESS-4).
	DropSID(sid string) error
	// Expire drops entries updated before the given time, and models left
	// with none (CHAT-4: older than 3 s).
	Expire(before int64) error
	// Models lists the models in use, sorted.
	Models() ([]string, error)
}

// UsagePool is a UsageStore in process memory.
type UsagePool struct {
	mu sync.Mutex
	m  map[string]map[string]int64 // model → sid → updated_at
}

var _ UsageStore = (*UsagePool)(nil)

// NewUsagePool returns an empty pool.
func NewUsagePool() *UsagePool { return &UsagePool{m: map[string]map[string]int64{}} }

// Mark records that sid uses model at now.
func (u *UsagePool) Mark(model, sid string, now int64) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m[model] == nil {
		u.m[model] = map[string]int64{}
	}
	u.m[model][sid] = now
	return nil
}

// DropSID forgets every entry of a sid (SESS-4).
func (u *UsagePool) DropSID(sid string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	for model, sids := range u.m {
		delete(sids, sid)
		if len(sids) == 0 {
			delete(u.m, model)
		}
	}
	return nil
}

// Expire drops entries updated before the given time (CHAT-4: older than 3 s).
func (u *UsagePool) Expire(before int64) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	for model, sids := range u.m {
		for sid, at := range sids {
			if at < before {
				delete(sids, sid)
			}
		}
		if len(sids) == 0 {
			delete(u.m, model)
		}
	}
	return nil
}

// Models lists the models in use, sorted.
func (u *UsagePool) Models() ([]string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]string, 0, len(u.m))
	for m := range u.m {
		out = append(out, m)
	}
	sort.Strings(out)
	return out, nil
}

// Locker is a lock shared by the instances of a deployment, so that one
// instance at a time runs a reaper (SESS-5): with Redis, SET key <uuid> NX
// EX ttl, renewed and released only while the value is still ours. A nil
// Locker means a single instance: the reapers always run.
type Locker interface {
	// Acquire takes the lock for ttl when nobody holds it; true when taken.
	Acquire(ctx context.Context, ttl time.Duration) (bool, error)
	// Renew extends the lock to ttl if it is still ours; false when it is
	// not (expired, or taken by another instance).
	Renew(ctx context.Context, ttl time.Duration) (bool, error)
	// Release deletes the lock if it is still ours.
	Release(ctx context.Context) error
}
