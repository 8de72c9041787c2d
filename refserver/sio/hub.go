package sio

import (
	"encoding/json"
	"hash/maphash"
	"slices"
	"sync"

	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

const hubShards = 64

// Hub holds room membership, split into shards by room so that operations
// on different rooms do not contend.
type Hub struct {
	seed   maphash.Seed
	shards [hubShards]hubShard
}

type hubShard struct {
	mu    sync.RWMutex
	rooms map[roomKey]map[*Socket]struct{}
}

type roomKey struct{ nsp, room string }

func newHub() *Hub {
	h := &Hub{seed: maphash.MakeSeed()}
	for i := range h.shards {
		h.shards[i].rooms = make(map[roomKey]map[*Socket]struct{})
	}
	return h
}

func (h *Hub) shard(k roomKey) *hubShard {
	return &h.shards[maphash.String(h.seed, k.room)%hubShards]
}

func (h *Hub) add(s *Socket, room string) {
	k := roomKey{s.nsp.Name, room}
	sh := h.shard(k)
	sh.mu.Lock()
	m := sh.rooms[k]
	if m == nil {
		m = make(map[*Socket]struct{})
		sh.rooms[k] = m
	}
	m[s] = struct{}{}
	sh.mu.Unlock()
}

func (h *Hub) remove(s *Socket, room string) {
	k := roomKey{s.nsp.Name, room}
	sh := h.shard(k)
	sh.mu.Lock()
	if m := sh.rooms[k]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(sh.rooms, k)
		}
	}
	sh.mu.Unlock()
}

// Size is the number of sockets in a room.
func (h *Hub) Size(nsp, room string) int {
	k := roomKey{nsp, room}
	sh := h.shard(k)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return len(sh.rooms[k])
}

// Each calls fn for every member of a room, under the shard's read lock: fn
// must not join or leave rooms.
func (h *Hub) Each(nsp, room string, fn func(*Socket)) {
	k := roomKey{nsp, room}
	sh := h.shard(k)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	for s := range sh.rooms[k] {
		fn(s)
	}
}

// Broadcast is one emit to rooms of a namespace.
type Broadcast struct {
	Namespace string
	Rooms     []string // a room may be a socket's sid; nil: every socket of the namespace
	Except    string   // sid of a socket to skip (e.g. the sender)
}

// Emit sends an event to every socket in b's rooms, once each, encoding it
// once. It returns the number of sockets reached.
func (s *Server) Emit(b Broadcast, event string, args ...any) (int, error) {
	data, atts, err := encodeEvent(event, args)
	if err != nil {
		return 0, err
	}
	return s.EmitRaw(b, data, atts), nil
}

// EmitRaw is Emit with an encoded payload `["name",…]` and its attachments.
// With an Adapter, the broadcast also goes to the other instances (SCALE-1),
// unless its one room is the sid of a socket of this instance.
func (s *Server) EmitRaw(b Broadcast, data json.RawMessage, attachments [][]byte) int {
	n := s.emitLocal(b, nil, data, attachments)
	if a := s.adapter; a != nil && !s.isLocalSID(b) {
		a.PublishEmit(b, data, attachments)
	}
	return n
}

// EmitLocal delivers a broadcast that another instance published to this
// instance's sockets only, skipping the sids in except as well as b.Except.
// Rooms nil means every socket of the namespace. It returns the number of
// sockets reached.
func (s *Server) EmitLocal(b Broadcast, except []string, data json.RawMessage, attachments [][]byte) int {
	return s.emitLocal(b, except, data, attachments)
}

func (s *Server) isLocalSID(b Broadcast) bool {
	if len(b.Rooms) != 1 {
		return false
	}
	sock := s.Socket(b.Rooms[0])
	return sock != nil && sock.nsp.Name == b.Namespace
}

// HasLocal reports whether any socket of this instance is in the room (or
// is the socket whose sid the room is): a broker skips decoding messages
// for rooms without local members.
func (s *Server) HasLocal(nsp, room string) bool {
	if sock := s.Socket(room); sock != nil && sock.nsp.Name == nsp {
		return true
	}
	return s.hub.Size(nsp, room) > 0
}

func (s *Server) emitLocal(b Broadcast, except []string, data json.RawMessage, attachments [][]byte) int {
	frames := Frames(eventPacket(b.Namespace, data, attachments, socketio.NoID), attachments)
	for i := range frames {
		frames[i] = frames[i].Framed() // framed once, not once per member (issue 16)
	}
	n := 0
	send := func(sock *Socket) {
		if sock.id == b.Except || (len(except) > 0 && slices.Contains(except, sock.id)) {
			return
		}
		sock.conn.sess.Send(frames...)
		n++
	}
	switch {
	case b.Rooms == nil:
		for _, sock := range s.Sockets(b.Namespace) {
			send(sock)
		}
	case len(b.Rooms) == 1:
		s.deliver(b.Namespace, b.Rooms[0], send)
	default:
		seen := make(map[*Socket]struct{})
		for _, r := range b.Rooms {
			s.deliver(b.Namespace, r, func(sock *Socket) {
				if _, dup := seen[sock]; !dup {
					seen[sock] = struct{}{}
					send(sock)
				}
			})
		}
	}
	s.stats.Broadcasts.Add(1)
	s.stats.Deliveries.Add(uint64(n))
	return n
}

// deliver calls fn for each member of room, or for the socket whose sid is
// room (every socket is implicitly in the room of its own sid).
func (s *Server) deliver(nsp, room string, fn func(*Socket)) {
	if sock := s.Socket(room); sock != nil && sock.nsp.Name == nsp {
		fn(sock)
		return
	}
	s.hub.Each(nsp, room, fn)
}
