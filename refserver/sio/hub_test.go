package sio

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/engine"
)

// joinRoom makes c's socket on nsp join room through the client's own event.
func (c *client) joinRoom(t *testing.T, nsp, room string) {
	t.Helper()
	c.send(t, fmt.Sprintf(`2%s,900[%q,%q]`, nsp, "join", room))
	require.Equal(t, "3"+nsp+`,900["joined"]`, c.packet(t))
}

// Rooms: join, leave, broadcast to a room, to a room except the sender, to a
// socket's own sid, and namespaces kept apart.
func TestHubJoinLeaveBroadcast(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{})
	a, b, c, d := dial(t, ts), dial(t, ts), dial(t, ts), dial(t, ts)
	aSID := a.connect(t, "/t", "")
	bSID := b.connect(t, "/t", "")
	c.connect(t, "/t", "")
	d.connect(t, "/u", "")
	a.joinRoom(t, "/t", "r")
	b.joinRoom(t, "/t", "r")
	c.joinRoom(t, "/t", "other")
	d.joinRoom(t, "/u", "r")
	a.joinRoom(t, "/t", "r") // joining twice changes nothing

	assert.Equal(t, 2, ts.Hub().Size("/t", "r"))
	assert.Equal(t, 1, ts.Hub().Size("/u", "r"))
	assert.ElementsMatch(t, []string{"r"}, ts.Socket(aSID).Rooms())
	var members []string
	ts.Hub().Each("/t", "r", func(s *Socket) { members = append(members, s.ID()) })
	assert.ElementsMatch(t, []string{aSID, bSID}, members)

	received := func() map[string][]string {
		return map[string][]string{"a": a.sync(t, "/t"), "b": b.sync(t, "/t"), "c": c.sync(t, "/t"), "d": d.sync(t, "/u")}
	}
	shouted := []string{`2/t,["shouted","x"]`}

	a.send(t, `2/t,1["shout","r","x"]`)
	assert.Equal(t, `2/t,["shouted","x"]`, a.packet(t), "the sender is a member")
	assert.Equal(t, `3/t,1[2]`, a.packet(t))
	assert.Equal(t, map[string][]string{"a": nil, "b": shouted, "c": nil, "d": nil}, received())

	a.send(t, `2/t,2["shout-others","r","x"]`)
	assert.Equal(t, `3/t,2[1]`, a.packet(t))
	assert.Equal(t, map[string][]string{"a": nil, "b": shouted, "c": nil, "d": nil}, received())

	c.send(t, fmt.Sprintf(`2/t,3["shout",%q,"x"]`, bSID))
	assert.Equal(t, `3/t,3[1]`, c.packet(t), "a socket's sid is a room of one")
	assert.Equal(t, map[string][]string{"a": nil, "b": shouted, "c": nil, "d": nil}, received())

	b.send(t, `2/t,4["leave","r"]`)
	assert.Equal(t, `3/t,4["left"]`, b.packet(t))
	assert.Equal(t, 1, ts.Hub().Size("/t", "r"))
	c.send(t, `2/t,5["shout","r","x"]`)
	assert.Equal(t, `3/t,5[1]`, c.packet(t))
	assert.Equal(t, map[string][]string{"a": shouted, "b": nil, "c": nil, "d": nil}, received())

	a.send(t, `2/t,6["leave","r"]`)
	assert.Equal(t, `3/t,6["left"]`, a.packet(t))
	assert.Zero(t, ts.Hub().Size("/t", "r"))
	n, err := ts.Emit(Broadcast{Namespace: "/t", Rooms: []string{"r"}}, "nobody")
	require.NoError(t, err)
	assert.Zero(t, n)
}

// A broadcast to several rooms reaches each member once, however many of
// the rooms it is in.
func TestHubBroadcastManyRoomsOnce(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{})
	clients := map[string]*client{}
	for name, rooms := range map[string][]string{
		"a": {"r1", "r2", "r3"},
		"b": {"r2"},
		"c": {"r3", "r1"},
		"d": {"elsewhere"},
	} {
		c := dial(t, ts)
		c.connect(t, "/t", "")
		for _, r := range rooms {
			c.joinRoom(t, "/t", r)
		}
		clients[name] = c
	}
	assert.Equal(t, 2, ts.Hub().Size("/t", "r1"))

	n, err := ts.Emit(Broadcast{Namespace: "/t", Rooms: []string{"r1", "r2", "r3"}}, "multi", []byte{7}, 1)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	for name, c := range clients {
		got := c.sync(t, "/t")
		if name == "d" {
			assert.Empty(t, got, name)
			continue
		}
		assert.Equal(t, []string{`51-/t,["multi",{"_placeholder":true,"num":0},1]`, "bin:\x07"}, got, name)
	}
	assert.Equal(t, uint64(3), ts.Stats().Deliveries.Load())
}

// Joins, leaves, broadcasts and disconnects from many goroutines at once:
// run with -race; afterwards no room holds a socket that is gone.
func TestHubConcurrent(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{})
	const clients, rounds = 8, 200
	rooms := []string{"r0", "r1", "r2", "r3"}
	var socks []*Socket
	var conns []*client
	for range clients {
		c := dial(t, ts)
		sid := c.connect(t, "/t", "")
		c.Discard.Store(true) // the broadcasts are only counted
		socks = append(socks, ts.Socket(sid))
		conns = append(conns, c)
	}

	var wg sync.WaitGroup
	for i, s := range socks {
		wg.Add(3)
		go func() { // membership churn on each socket
			defer wg.Done()
			for j := range rounds {
				r := rooms[(i+j)%len(rooms)]
				s.Join(r)
				if j%3 == 0 {
					s.Leave(r)
				}
				_ = s.Rooms()
			}
		}()
		go func() { // the same rooms of the same socket, the other way round
			defer wg.Done()
			for j := range rounds {
				r := rooms[(i+j)%len(rooms)]
				s.Leave(r)
				if j%2 == 0 {
					s.Join(r)
				}
			}
		}()
		go func() { // broadcasts from every socket meanwhile
			defer wg.Done()
			for j := range rounds / 4 {
				ts.Emit(Broadcast{Namespace: "/t", Rooms: rooms[j%2 : j%2+2], Except: s.ID()}, "churn", j)
				ts.Hub().Size("/t", rooms[j%len(rooms)])
			}
		}()
	}
	// Half the clients leave while their sockets are being joined to rooms.
	for _, c := range conns[:clients/2] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.close()
		}()
	}
	wg.Wait()
	for _, s := range socks[:clients/2] {
		ts.disconnected(t, s.ID())
	}

	for _, r := range rooms {
		ts.Hub().Each("/t", r, func(s *Socket) {
			assert.NotNil(t, ts.Socket(s.ID()), "room %s holds socket %s, which is gone", r, s.ID())
		})
	}
	for _, s := range socks[clients/2:] { // the hub agrees with each socket
		for _, r := range rooms {
			inHub := false
			ts.Hub().Each("/t", r, func(m *Socket) { inHub = inHub || m == s })
			assert.Equal(t, slices.Contains(s.Rooms(), r), inHub, "socket %s, room %s", s.ID(), r)
		}
		for _, r := range s.Rooms() {
			s.Leave(r)
		}
	}
	for _, r := range rooms {
		assert.Zero(t, ts.Hub().Size("/t", r), "room %s", r)
	}
}
