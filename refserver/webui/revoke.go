package webui

import "sync"

// Revocations stores revoked token ids and per-user revocation times
// (AUTH-6). With Redis they are the keys {prefix}:auth:token:{jti}:revoked
// and {prefix}:auth:user:{id}:revoked_at (SCALE-2).
type Revocations interface {
	TokenRevoked(jti string) (bool, error)
	RevokeToken(jti string) error
	UserRevokedAt(id string) (unix int64, ok bool, err error)
	RevokeUser(id string, unix int64) error
	// UnrevokeUser forgets a user's revocation time, so that the user's
	// tokens are valid again (the reserved set's reset).
	UnrevokeUser(id string) error
}

// MemoryRevocations keeps revocations in process memory.
type MemoryRevocations struct {
	mu     sync.RWMutex
	tokens map[string]bool
	users  map[string]int64
}

var _ Revocations = (*MemoryRevocations)(nil)

// NewMemoryRevocations returns an empty store.
func NewMemoryRevocations() *MemoryRevocations {
	return &MemoryRevocations{tokens: map[string]bool{}, users: map[string]int64{}}
}

// TokenRevoked reports whether jti was revoked.
func (m *MemoryRevocations) TokenRevoked(jti string) (bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.tokens[jti], nil
}

// RevokeToken revokes one token id.
func (m *MemoryRevocations) RevokeToken(jti string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[jti] = true
	return nil
}

// UserRevokedAt returns when all of a user's tokens were revoked.
func (m *MemoryRevocations) UserRevokedAt(id string) (int64, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	at, ok := m.users[id]
	return at, ok, nil
}

// RevokeUser revokes every token of id issued at or before unix.
func (m *MemoryRevocations) RevokeUser(id string, unix int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[id] = unix
	return nil
}

// UnrevokeUser forgets a user's revocation time.
func (m *MemoryRevocations) UnrevokeUser(id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.users, id)
	return nil
}
