package webui

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// ErrFixtures is wrapped by every fixtures error.
var ErrFixtures = errors.New("webui: bad fixtures")

// FixtureError is one problem in a fixtures file, with its place.
type FixtureError struct {
	Line  int
	Field string
	Msg   string
}

func (e FixtureError) Error() string { return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Msg) }

type fixtureFile struct {
	Users    []yaml.Node `yaml:"users"`
	Channels []yaml.Node `yaml:"channels"`
	Notes    []yaml.Node `yaml:"notes"`
}

type fixtureUser struct {
	ID          string   `yaml:"id"`
	Name        string   `yaml:"name"`
	Email       string   `yaml:"email"`
	Role        string   `yaml:"role"`
	Permissions []string `yaml:"permissions"`
}

type fixtureChannel struct {
	ID      string   `yaml:"id"`
	Name    string   `yaml:"name"`
	Members []string `yaml:"members"` // user ids, or ["*"] for every user
}

type fixtureNote struct {
	ID    string   `yaml:"id"`
	Owner string   `yaml:"owner"`
	Read  []string `yaml:"read"` // user ids, or ["*"]
	Write []string `yaml:"write"`
}

// LoadFixtures reads a hand-written population (serve --fixtures). Every
// problem is reported at once, each with its line and field.
func LoadFixtures(r io.Reader) (*Population, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var f fixtureFile
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %v", ErrFixtures, err)
	}
	p := NewPopulation()
	var errs []error
	var add addFunc = func(line int, field, format string, args ...any) {
		errs = append(errs, FixtureError{Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	for i, n := range f.Users {
		var u fixtureUser
		if !decodeItem(&n, &u, fmt.Sprintf("users[%d]", i), add, "id", "name", "email", "role", "permissions") {
			continue
		}
		p.loadUser(u, n.Line, fmt.Sprintf("users[%d]", i), add)
	}
	for i, n := range f.Channels {
		var c fixtureChannel
		if !decodeItem(&n, &c, fmt.Sprintf("channels[%d]", i), add, "id", "name", "members") {
			continue
		}
		p.loadChannel(c, n.Line, fmt.Sprintf("channels[%d]", i), add)
	}
	for i, n := range f.Notes {
		var nt fixtureNote
		if !decodeItem(&n, &nt, fmt.Sprintf("notes[%d]", i), add, "id", "owner", "read", "write") {
			continue
		}
		p.loadNote(nt, n.Line, fmt.Sprintf("notes[%d]", i), add)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w:\n%w", ErrFixtures, errors.Join(errs...))
	}
	return p, nil
}

// decodeItem decodes one list item, reporting keys not in allowed with
// their own line (yaml.v3 checks unknown keys only in Decoder.Decode).
func decodeItem(n *yaml.Node, v any, at string, add addFunc, allowed ...string) bool {
	if n.Kind != yaml.MappingNode {
		add(n.Line, at, "want a mapping")
		return false
	}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !slices.Contains(allowed, k.Value) {
			add(k.Line, at+"."+k.Value, "unknown field (want one of %s)", strings.Join(allowed, ", "))
			ok = false
		}
	}
	if err := n.Decode(v); err != nil {
		add(n.Line, at, "%s", strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n  "))
		return false
	}
	return ok
}

type addFunc func(line int, field, format string, args ...any)

func (p *Population) loadUser(u fixtureUser, line int, at string, add addFunc) {
	switch {
	case u.ID == "":
		add(line, at+".id", "required")
		return
	case p.users[u.ID] != nil:
		add(line, at+".id", "duplicate user %q", u.ID)
		return
	}
	role := Role(u.Role)
	if u.Role == "" {
		role = RoleUser
	}
	if role != RoleUser && role != RoleAdmin && role != RolePending {
		add(line, at+".role", "%q is not user, admin or pending", u.Role)
		return
	}
	perms := map[string]bool{}
	for _, pm := range u.Permissions {
		perms[pm] = true
	}
	name := u.Name
	if name == "" {
		name = u.ID
	}
	p.addUser(&User{ID: u.ID, Name: name, Email: u.Email, Role: role, Permissions: perms})
}

func (p *Population) loadChannel(c fixtureChannel, line int, at string, add addFunc) {
	if c.ID == "" {
		add(line, at+".id", "required")
		return
	}
	if p.channels[c.ID] != nil {
		add(line, at+".id", "duplicate channel %q", c.ID)
		return
	}
	ch := &Channel{ID: c.ID, Name: c.Name, Members: map[string]bool{}}
	if ch.Name == "" {
		ch.Name = c.ID
	}
	for _, m := range c.Members {
		switch {
		case m == "*":
			ch.AllUsers = true
		case p.users[m] == nil:
			add(line, at+".members", "unknown user %q", m)
		default:
			ch.Members[m] = true
		}
	}
	p.addChannel(ch)
}

func (p *Population) loadNote(n fixtureNote, line int, at string, add addFunc) {
	switch {
	case n.ID == "":
		add(line, at+".id", "required")
		return
	case p.notes[n.ID] != nil:
		add(line, at+".id", "duplicate note %q", n.ID)
		return
	case p.users[n.Owner] == nil:
		add(line, at+".owner", "unknown user %q", n.Owner)
		return
	}
	note := &Note{ID: n.ID, OwnerID: n.Owner, Read: map[string]bool{}, Write: map[string]bool{}}
	grant := func(ids []string, all *bool, set map[string]bool, field string) {
		for _, id := range ids {
			switch {
			case id == "*":
				*all = true
			case p.users[id] == nil:
				add(line, at+"."+field, "unknown user %q", id)
			default:
				set[id] = true
			}
		}
	}
	grant(n.Read, &note.ReadAll, note.Read, "read")
	grant(n.Write, &note.WriteAll, note.Write, "write")
	p.notes[note.ID] = note
}
