package webui

import (
	"fmt"
	"net/http"
	"slices"
)

// The set reserved for `stampede check` (CLI.md, "The embedded default
// population"): the conformance cases that delete, demote, revoke, remove
// or save act only on these, never on u000001 … or the channels and notes
// the scenarios use, and POST /api/control/reset-reserved puts them back.
//
//   - users chk001 … chk010: role user with features.channels;
//   - channels chk-c01, chk-c02, chk-c03: every reserved user is a member;
//   - notes chk-n01 (every user reads and writes), chk-n02 (every user
//     reads, u000001 writes) and chk-n03 (private to u000001), all owned
//     by u000001 and empty.
const (
	reservedUsers    = 10
	reservedChannels = 3
)

// ReservedUserID is the id of reserved user i (1-based): chk001 …
func ReservedUserID(i int) string { return fmt.Sprintf("chk%03d", i) }

// ReservedChannelID is the id of reserved channel k (1-based): chk-c01 …
func ReservedChannelID(k int) string { return fmt.Sprintf("chk-c%02d", k) }

// ReservedNoteIDs are the reserved notes: everyone writes, everyone reads,
// private.
var ReservedNoteIDs = []string{"chk-n01", "chk-n02", "chk-n03"}

// Reserved names entities of the reserved set.
type Reserved struct {
	Users    []string `json:"users"`
	Channels []string `json:"channels"`
	Notes    []string `json:"notes"`
}

// AllReserved is the whole reserved set.
func AllReserved() Reserved {
	var r Reserved
	for i := 1; i <= reservedUsers; i++ {
		r.Users = append(r.Users, ReservedUserID(i))
	}
	for k := 1; k <= reservedChannels; k++ {
		r.Channels = append(r.Channels, ReservedChannelID(k))
	}
	r.Notes = slices.Clone(ReservedNoteIDs)
	return r
}

// empty reports whether r names nothing.
func (r Reserved) empty() bool { return len(r.Users)+len(r.Channels)+len(r.Notes) == 0 }

// check returns an error naming the first id that is not reserved.
func (r Reserved) check() error {
	all := AllReserved()
	for _, set := range []struct {
		what      string
		got, want []string
	}{{"user", r.Users, all.Users}, {"channel", r.Channels, all.Channels}, {"note", r.Notes, all.Notes}} {
		for _, id := range set.got {
			if !slices.Contains(set.want, id) {
				return fmt.Errorf("%s %q is not in the reserved set (%v)", set.what, id, set.want)
			}
		}
	}
	return nil
}

func reservedUser(id string) *User {
	return &User{ID: id, Name: "Check " + id, Email: id + "@example.com", Role: RoleUser,
		Permissions: map[string]bool{PermChannels: true}}
}

func reservedChannel(cid string) *Channel {
	c := &Channel{ID: cid, Name: "Check " + cid, Members: map[string]bool{}}
	for i := 1; i <= reservedUsers; i++ {
		c.Members[ReservedUserID(i)] = true
	}
	return c
}

func reservedNote(nid string) *Note {
	n := &Note{ID: nid, OwnerID: UserID(1)}
	switch nid {
	case ReservedNoteIDs[0]:
		n.ReadAll, n.WriteAll = true, true
	case ReservedNoteIDs[1]:
		n.ReadAll = true
	}
	return n
}

// ResetReserved puts the named entities of the reserved set back as
// Generate made them: users recreated with role user, channels with every
// reserved user, notes empty. It works on any population, a fixtures one
// included, where it adds them. Revocations are the caller's.
func (p *Population) ResetReserved(r Reserved) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range r.Users {
		p.addUser(reservedUser(id))
	}
	for _, cid := range r.Channels {
		p.addChannel(reservedChannel(cid))
	}
	for _, nid := range r.Notes {
		p.notes[nid] = reservedNote(nid)
	}
}

// resetReserved is POST /api/control/reset-reserved {users?, channels?,
// notes?}: the named entities of the reserved set are put back as Generate
// made them, on every instance; the users' revocations are forgotten and
// the notes' titles cleared. An empty body, or one that names nothing,
// resets the whole set. 422 for an id outside the set. Answers what was
// reset.
func (c *control) resetReserved(r *http.Request, _ User) (answer, error) {
	var req Reserved
	if r.ContentLength != 0 {
		if err := decodeBody(r, &req); err != nil {
			return answer{}, err
		}
	}
	if err := req.check(); err != nil {
		return answer{}, errorf(http.StatusUnprocessableEntity, "%v", err)
	}
	if req.empty() {
		req = AllReserved()
	}
	for _, id := range req.Users {
		if err := c.app.revoked.UnrevokeUser(id); err != nil {
			return answer{}, errorf(http.StatusServiceUnavailable, "revocation store: %v", err)
		}
	}
	for _, nid := range req.Notes {
		c.titles.Delete(nid)
	}
	c.app.change(popChange{Op: "reset-reserved", Reserved: &req})
	return jsonOK(req), nil
}
