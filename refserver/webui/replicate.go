package webui

import "encoding/json"

// Several instances of one deployment share what upstream keeps in its
// database: users, channels and notes. Each instance holds the population
// in memory, so every change made through one instance (the control API,
// a document save) is published to the others, which apply it to their
// copy and to their own sockets: a demoted or deleted user's sockets get
// `41` (AUTH-6), a removed member's sockets leave the channel room (CHAN-4)
// on every instance.

// msgPopulation is the Cluster message of a population change.
const msgPopulation = "stampede:population"

// popChange is one change of the population.
type popChange struct {
	Op      string          `json:"op"` // role, delete-user, remove-members, delete-channel, save-note, reset-reserved
	User    string          `json:"user,omitempty"`
	Role    Role            `json:"role,omitempty"`
	Channel string          `json:"channel,omitempty"`
	Users   []string        `json:"users,omitempty"`
	Note    string          `json:"note,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	// Reserved names what reset-reserved restores.
	Reserved *Reserved `json:"reserved,omitempty"`
}

// change applies a population change here and publishes it to the other
// instances. It returns how many of this instance's sockets it acted on
// (disconnected or evicted).
func (a *App) change(c popChange) int {
	n := a.applyChange(c)
	if cl := a.cfg.Cluster; cl != nil && !a.cfg.Faults.NoPopulationSync { // the fault breaks CHAN-4 across instances
		if err := cl.Publish(msgPopulation, c); err != nil {
			a.log.Warn("cannot tell other instances of a population change", "op", c.Op, "err", err)
		}
	}
	return n
}

// onPopulation is another instance's change.
func (a *App) onPopulation(raw json.RawMessage) {
	var c popChange
	if err := json.Unmarshal(raw, &c); err != nil {
		a.log.Warn("undecodable population change from another instance", "err", err)
		return
	}
	a.applyChange(c)
}

func (a *App) applyChange(c popChange) int {
	switch c.Op {
	case "role":
		a.pop.SetRole(c.User, c.Role)
		if c.Role == RolePending {
			return a.disconnectLocalUser(c.User)
		}
	case "delete-user":
		a.pop.DeleteUser(c.User)
		return a.disconnectLocalUser(c.User)
	case "remove-members":
		for _, id := range c.Users {
			if a.pop.IsMember(c.Channel, id) {
				a.pop.RemoveMember(c.Channel, id)
			}
		}
		return a.evictLocal(c.Channel, func(user string) bool { return !a.pop.IsMember(c.Channel, user) })
	case "delete-channel":
		a.pop.DeleteChannel(c.Channel)
		return a.evictLocal(c.Channel, func(string) bool { return true })
	case "save-note":
		a.pop.SaveNote(c.Note, c.Data)
	case "reset-reserved":
		if c.Reserved != nil && c.Reserved.check() == nil {
			a.pop.ResetReserved(*c.Reserved)
		}
	default:
		a.log.Warn("unknown population change", "op", c.Op)
	}
	return 0
}

// disconnectLocalUser sends `41` to this instance's sockets in user:{id}
// (AUTH-6) and returns how many there were.
func (a *App) disconnectLocalUser(id string) int {
	if a.cfg.Faults.NoRevocationDisconnect { // the fault breaks AUTH-6
		return 0
	}
	socks := a.sio.Hub().Members(Namespace, "user:"+id)
	for _, s := range socks {
		s.Disconnect()
	}
	return len(socks)
}

// evictLocal makes this instance's sockets of channel:{cid} whose session
// user matches leave the room (CHAN-4), and returns how many left.
func (a *App) evictLocal(cid string, match func(user string) bool) int {
	if a.cfg.Faults.NoChannelLeave { // the fault breaks CHAN-4
		return 0
	}
	room := "channel:" + cid
	n := 0
	for _, s := range a.sio.Hub().Members(Namespace, room) {
		if match(state(s).user()) {
			s.Leave(room)
			n++
		}
	}
	return n
}
