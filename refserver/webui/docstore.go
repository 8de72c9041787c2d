package webui

import (
	"slices"
	"sync"
)

// DocStore keeps the collaborative documents (DOC-2, DOC-5, DOC-6): each
// document's Yjs updates in arrival order and the sids of its members.
// With Redis (SCALE-2) they are upstream's keys, the list
// {prefix}:ydoc:documents:{doc}:updates and the set
// {prefix}:ydoc:documents:{doc}:users, so that every instance sees the same
// documents; Compact and Delete must then be atomic (MULTI or a script).
// Implementations are safe for concurrent use.
type DocStore interface {
	// Append stores an update and returns how many the document now holds.
	Append(doc string, update []byte) (int, error)
	// Updates returns the document's updates, oldest first (none for an
	// unknown document).
	Updates(doc string) ([][]byte, error)
	// Compact replaces the first n updates by merged, keeping any appended
	// since they were read; it does nothing when fewer than n are stored
	// (the document was deleted meanwhile).
	Compact(doc string, n int, merged []byte) error
	// Delete removes the document's updates, unless it has members again:
	// a socket that joined since the last member left keeps them.
	Delete(doc string) error
	// AddMember records that socket sid is in the document.
	AddMember(doc, sid string) error
	// RemoveMember forgets sid and returns how many members are left.
	RemoveMember(doc, sid string) (int, error)
	// Members lists the document's member sids, sorted.
	Members(doc string) ([]string, error)
}

// MemoryDocStore is a DocStore in process memory.
type MemoryDocStore struct {
	mu   sync.Mutex
	docs map[string]*memoryDoc
}

type memoryDoc struct {
	updates [][]byte
	members map[string]bool
}

var _ DocStore = (*MemoryDocStore)(nil)

// NewMemoryDocStore returns an empty store.
func NewMemoryDocStore() *MemoryDocStore { return &MemoryDocStore{docs: map[string]*memoryDoc{}} }

// doc returns the document, creating it; the caller holds mu.
func (m *MemoryDocStore) doc(id string) *memoryDoc {
	d := m.docs[id]
	if d == nil {
		d = &memoryDoc{members: map[string]bool{}}
		m.docs[id] = d
	}
	return d
}

// drop forgets a document that holds nothing; the caller holds mu.
func (m *MemoryDocStore) drop(id string) {
	if d := m.docs[id]; d != nil && len(d.updates) == 0 && len(d.members) == 0 {
		delete(m.docs, id)
	}
}

// Append stores a copy of update.
func (m *MemoryDocStore) Append(doc string, update []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.doc(doc)
	d.updates = append(d.updates, slices.Clone(update))
	return len(d.updates), nil
}

// Updates returns the stored updates; callers must not modify them.
func (m *MemoryDocStore) Updates(doc string) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d := m.docs[doc]; d != nil {
		return slices.Clone(d.updates), nil
	}
	return nil, nil
}

// Compact replaces the first n updates by merged.
func (m *MemoryDocStore) Compact(doc string, n int, merged []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.docs[doc]
	if d == nil || len(d.updates) < n || n == 0 {
		return nil
	}
	rest := d.updates[n:]
	d.updates = append(make([][]byte, 0, 1+len(rest)), slices.Clone(merged))
	d.updates = append(d.updates, rest...)
	return nil
}

// Delete removes the updates of a document without members.
func (m *MemoryDocStore) Delete(doc string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d := m.docs[doc]; d != nil && len(d.members) == 0 {
		delete(m.docs, doc)
	}
	return nil
}

// AddMember records sid in the document.
func (m *MemoryDocStore) AddMember(doc, sid string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.doc(doc).members[sid] = true
	return nil
}

// RemoveMember forgets sid.
func (m *MemoryDocStore) RemoveMember(doc, sid string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.docs[doc]
	if d == nil {
		return 0, nil
	}
	delete(d.members, sid)
	n := len(d.members)
	m.drop(doc)
	return n, nil
}

// Members lists the member sids, sorted.
func (m *MemoryDocStore) Members(doc string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.docs[doc]
	if d == nil {
		return nil, nil
	}
	out := make([]string, 0, len(d.members))
	for sid := range d.members {
		out = append(out, sid)
	}
	slices.Sort(out)
	return out, nil
}
