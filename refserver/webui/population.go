package webui

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// Role is a user's role (AUTH-1).
type Role string

// The roles open-webui knows.
const (
	RoleUser    Role = "user"
	RoleAdmin   Role = "admin"
	RolePending Role = "pending"
)

// PermChannels is the permission that lets a user join channel rooms (CHAN-1).
const PermChannels = "features.channels"

// User is one account. The private fields are never copied into the session
// pool (AUTH-2).
type User struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Email        string          `json:"email"`
	Role         Role            `json:"role"`
	Permissions  map[string]bool `json:"permissions,omitempty"` // read-only: users may share one
	LastActiveAt int64           `json:"last_active_at"`

	DateOfBirth           string `json:"date_of_birth,omitempty"`
	Bio                   string `json:"bio,omitempty"`
	Gender                string `json:"gender,omitempty"`
	ProfileImageURL       string `json:"profile_image_url,omitempty"`
	ProfileBannerImageURL string `json:"profile_banner_image_url,omitempty"`
}

// CanUseChannels reports whether u may join channel rooms (CHAN-1).
func (u *User) CanUseChannels() bool { return u.Role == RoleAdmin || u.Permissions[PermChannels] }

// Channel is a channel and its members. AllUsers marks a channel every user
// belongs to, so the big room needs no member list.
type Channel struct {
	ID       string
	Name     string
	AllUsers bool
	Members  map[string]bool
}

// Note is a note with its owner and grants (CHAN-5, DOC-1).
type Note struct {
	ID       string
	OwnerID  string
	ReadAll  bool
	WriteAll bool
	Read     map[string]bool
	Write    map[string]bool
	// Content is the last saved note data (DOC-3), as JSON.
	Content []byte
	Saves   int
}

// Population is the set of users, channels and notes the server knows. It
// is safe for concurrent use; control-API acts mutate it.
type Population struct {
	mu       sync.RWMutex
	users    map[string]*User
	channels map[string]*Channel
	notes    map[string]*Note
	byUser   map[string][]string // user id → ids of channels listing them explicitly
}

// NewPopulation returns an empty population.
func NewPopulation() *Population {
	return &Population{
		users:    make(map[string]*User),
		channels: make(map[string]*Channel),
		notes:    make(map[string]*Note),
		byUser:   make(map[string][]string),
	}
}

// Sizes of the generated default population (CLI.md).
type Sizes struct {
	Users, Channels, Notes int
}

// DefaultSizes are serve's defaults: 20000 users, 200 channels, 200 notes.
var DefaultSizes = Sizes{Users: 20000, Channels: 200, Notes: 200}

// UserID is the id of generated user i (1-based): u000001 …
func UserID(i int) string { return fmt.Sprintf("u%06d", i) }

// Generate builds the deterministic default population of CLI.md:
// users u000001 … (u000001 admin, the rest users with features.channels),
// pending01 and nochan01; channel c0001 with every user, channels c0002 …
// each with the users whose index i has (i-1) mod (Channels-1) = k-2; notes
// n0001 (everyone reads and writes), n0002 (everyone reads, owner writes),
// n0003 (private to u000001), and n0004 … owned by user i and private;
// and the set reserved for `stampede check` (reserved.go).
func Generate(s Sizes) *Population {
	p := NewPopulation()
	// One map for every generated user: a user's permissions are only read,
	// never changed in place, and a map each was 5 MB of the 13 MB the
	// default population keeps (issue 16).
	channelsOnly := map[string]bool{PermChannels: true}
	for i := 1; i <= s.Users; i++ {
		role := RoleUser
		if i == 1 {
			role = RoleAdmin
		}
		id := UserID(i)
		p.addUser(&User{ID: id, Name: fmt.Sprintf("User %d", i), Email: id + "@example.com",
			Role: role, Permissions: channelsOnly})
	}
	p.addUser(&User{ID: "pending01", Name: "Pending User", Email: "pending01@example.com", Role: RolePending,
		Permissions: map[string]bool{PermChannels: true}})
	p.addUser(&User{ID: "nochan01", Name: "No Channels", Email: "nochan01@example.com", Role: RoleUser})
	if s.Channels >= 1 {
		p.addChannel(&Channel{ID: "c0001", Name: "Everyone", AllUsers: true})
	}
	for k := 2; k <= s.Channels; k++ {
		ch := &Channel{ID: fmt.Sprintf("c%04d", k), Name: fmt.Sprintf("Channel %d", k), Members: map[string]bool{}}
		for i := k - 1; i <= s.Users; i += s.Channels - 1 {
			ch.Members[UserID(i)] = true
		}
		p.addChannel(ch)
	}
	owner := UserID(1)
	for k := 1; k <= s.Notes; k++ {
		n := &Note{ID: fmt.Sprintf("n%04d", k), OwnerID: owner}
		switch {
		case k == 1:
			n.ReadAll, n.WriteAll = true, true
		case k == 2:
			n.ReadAll = true
		case k > 3 && k <= s.Users:
			n.OwnerID = UserID(k)
		}
		p.notes[n.ID] = n
	}
	p.ResetReserved(AllReserved())
	return p
}

func (p *Population) addUser(u *User) { p.users[u.ID] = u }

func (p *Population) addChannel(c *Channel) {
	p.channels[c.ID] = c
	for id := range c.Members {
		if !slices.Contains(p.byUser[id], c.ID) { // a reset channel is added again
			p.byUser[id] = append(p.byUser[id], c.ID)
		}
	}
}

// User returns a copy of the user, or false.
func (p *Population) User(id string) (User, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	u, ok := p.users[id]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// UserCount is the number of users.
func (p *Population) UserCount() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.users)
}

// ChannelsOf lists the ids of the channels user id belongs to, sorted.
func (p *Population) ChannelsOf(id string) []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if _, ok := p.users[id]; !ok {
		return nil
	}
	seen := map[string]bool{}
	for _, c := range p.channels {
		if c.AllUsers {
			seen[c.ID] = true
		}
	}
	for _, cid := range p.byUser[id] {
		if c, ok := p.channels[cid]; ok && c.Members[id] {
			seen[cid] = true
		}
	}
	out := make([]string, 0, len(seen))
	for cid := range seen {
		out = append(out, cid)
	}
	sort.Strings(out)
	return out
}

// IsMember reports whether user id belongs to channel cid.
func (p *Population) IsMember(cid, id string) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	c, ok := p.channels[cid]
	if !ok {
		return false
	}
	_, known := p.users[id]
	return known && (c.AllUsers || c.Members[id])
}

// Channel returns whether the channel exists and its name.
func (p *Population) Channel(cid string) (name string, ok bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	c, ok := p.channels[cid]
	if !ok {
		return "", false
	}
	return c.Name, true
}

// CanRead reports whether user id may read note nid (admin, owner or grant).
func (p *Population) CanRead(nid, id string) bool { return p.noteAccess(nid, id, false) }

// CanWrite reports whether user id may write note nid.
func (p *Population) CanWrite(nid, id string) bool { return p.noteAccess(nid, id, true) }

func (p *Population) noteAccess(nid, id string, write bool) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	n, ok := p.notes[nid]
	u, known := p.users[id]
	if !ok || !known {
		return false
	}
	switch {
	case u.Role == RoleAdmin, n.OwnerID == id:
		return true
	case write:
		return n.WriteAll || n.Write[id]
	}
	return n.ReadAll || n.Read[id] || n.WriteAll || n.Write[id]
}

// Touch sets a user's last_active_at (SESS-2).
func (p *Population) Touch(id string, unix int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u, ok := p.users[id]; ok {
		u.LastActiveAt = unix
	}
}

// SetRole changes a user's role; false when the user is unknown.
func (p *Population) SetRole(id string, r Role) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.users[id]
	if ok {
		u.Role = r
	}
	return ok
}

// DeleteUser removes a user; false when unknown.
func (p *Population) DeleteUser(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.users[id]
	delete(p.users, id)
	return ok
}

// RemoveMember takes a user out of a channel (CHAN-4). A member of an
// all-users channel is recorded as an exception.
func (p *Population) RemoveMember(cid, id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.channels[cid]
	if !ok {
		return false
	}
	if c.AllUsers {
		c.AllUsers = false
		c.Members = make(map[string]bool, len(p.users))
		for uid := range p.users {
			if uid != id {
				c.Members[uid] = true
				p.byUser[uid] = append(p.byUser[uid], cid)
			}
		}
		return true
	}
	delete(c.Members, id)
	return true
}

// DeleteChannel removes a channel (CHAN-4).
func (p *Population) DeleteChannel(cid string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.channels[cid]
	delete(p.channels, cid)
	return ok
}

// SaveNote stores note content (DOC-3); false when the note is unknown.
func (p *Population) SaveNote(nid string, content []byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, ok := p.notes[nid]
	if ok {
		n.Content = content
		n.Saves++
	}
	return ok
}

// NoteContent returns the last saved content and the number of saves.
func (p *Population) NoteContent(nid string) ([]byte, int, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	n, ok := p.notes[nid]
	if !ok {
		return nil, 0, false
	}
	return n.Content, n.Saves, true
}
