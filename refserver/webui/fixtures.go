package webui

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
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
// problem is reported at once, each with the line and field of its own key.
func LoadFixtures(r io.Reader) (*Population, error) {
	var root yaml.Node
	if err := yaml.NewDecoder(r).Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %v", ErrFixtures, err) // a syntax error: yaml names its line
	}
	p := NewPopulation()
	var errs []error
	var add addFunc = func(line int, field, format string, args ...any) {
		errs = append(errs, FixtureError{Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	sections := topSections(&root, add)
	for i, n := range sections["users"] {
		var u fixtureUser
		if at := fmt.Sprintf("users[%d]", i); decodeItem(n, &u, at, add) {
			p.loadUser(u, n.Line, at, add)
		}
	}
	for i, n := range sections["channels"] {
		var c fixtureChannel
		if at := fmt.Sprintf("channels[%d]", i); decodeItem(n, &c, at, add) {
			p.loadChannel(c, n.Line, at, add)
		}
	}
	for i, n := range sections["notes"] {
		var nt fixtureNote
		if at := fmt.Sprintf("notes[%d]", i); decodeItem(n, &nt, at, add) {
			p.loadNote(nt, n.Line, at, add)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w:\n%w", ErrFixtures, errors.Join(errs...))
	}
	return p, nil
}

// topSections returns the items of users, channels and notes, reporting
// anything else at the top level.
func topSections(root *yaml.Node, add addFunc) map[string][]*yaml.Node {
	out := map[string][]*yaml.Node{}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return out // an empty file is an empty population
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		add(top.Line, "(top)", "want a mapping with users, channels and notes")
		return out
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch {
		case k.Value != "users" && k.Value != "channels" && k.Value != "notes":
			add(k.Line, k.Value, "unknown field (want users, channels or notes)")
		case v.Kind == yaml.SequenceNode:
			out[k.Value] = v.Content
		case v.Tag != "!!null":
			add(v.Line, k.Value, "want a list")
		}
	}
	return out
}

// decodeItem decodes a mapping into the struct v key by key, so that an
// unknown key or a value of the wrong type is reported with its own line
// and field.
func decodeItem(n *yaml.Node, v any, at string, add addFunc) bool {
	if n.Kind != yaml.MappingNode {
		add(n.Line, at, "want a mapping")
		return false
	}
	rv := reflect.ValueOf(v).Elem()
	fields := map[string]reflect.Value{}
	var names []string
	for i := range rv.NumField() {
		tag := rv.Type().Field(i).Tag.Get("yaml")
		fields[tag] = rv.Field(i)
		names = append(names, tag)
	}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		f, known := fields[k.Value]
		if !known {
			add(k.Line, at+"."+k.Value, "unknown field (want one of %s)", strings.Join(names, ", "))
			ok = false
			continue
		}
		if err := val.Decode(f.Addr().Interface()); err != nil {
			add(val.Line, at+"."+k.Value, "%s", yamlReason(err))
			ok = false
		}
	}
	return ok
}

var yamlLinePrefix = regexp.MustCompile(`^(yaml: unmarshal errors:\s*)?(line \d+: )?`)

// yamlReason strips yaml's own framing and line from a decode error.
func yamlReason(err error) string {
	return yamlLinePrefix.ReplaceAllString(strings.TrimSpace(err.Error()), "")
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
