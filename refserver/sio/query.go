package sio

// InRoom reports whether the socket is in room.
func (s *Socket) InRoom(room string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return containsRoom(s.rooms, room)
}

// Members returns a snapshot of a room's sockets, safe to act on (e.g.
// Disconnect) without holding any hub lock.
func (h *Hub) Members(nsp, room string) []*Socket {
	k := roomKey{nsp, room}
	sh := h.shard(k)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	out := make([]*Socket, 0, len(sh.rooms[k]))
	for s := range sh.rooms[k] {
		out = append(out, s)
	}
	return out
}

// Sockets returns a snapshot of every connected socket of a namespace.
func (s *Server) Sockets(nsp string) []*Socket {
	var out []*Socket
	s.socksMu.RLock()
	defer s.socksMu.RUnlock()
	for _, sock := range s.sockets {
		if sock.nsp.Name == nsp {
			out = append(out, sock)
		}
	}
	return out
}
