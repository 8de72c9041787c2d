package sio

import (
	"encoding/json"

	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// eventPacket builds an EVENT or BINARY_EVENT packet.
func eventPacket(nsp string, data json.RawMessage, attachments [][]byte, id int64) socketio.Packet {
	t := socketio.Event
	if len(attachments) > 0 {
		t = socketio.BinaryEvent
	}
	return socketio.Packet{Type: t, Namespace: nsp, ID: id, Data: data}
}

// encodeEvent marshals `[event, args...]`, moving []byte into attachments.
func encodeEvent(event string, args []any) (json.RawMessage, [][]byte, error) {
	all := make([]any, 0, len(args)+1)
	all = append(all, event)
	return encodeArgs(append(all, args...))
}

// encodeArgs marshals args as a JSON array, moving []byte into attachments.
func encodeArgs(args []any) (json.RawMessage, [][]byte, error) {
	if args == nil {
		args = []any{}
	}
	if !socketio.HasBinary(args) {
		data, err := json.Marshal(args)
		return data, nil, err
	}
	return socketio.Deconstruct(args)
}
