package client

import (
	"encoding/binary"
	"math/rand/v2"
)

// Websocket frame opcodes (RFC 6455 section 5.2) of the messages a client
// writes.
const (
	opText   = 0x1
	opBinary = 0x2
)

// appendFrame appends payload to dst as one final, masked client frame of
// opcode op (RFC 6455 section 5.2): the header, a fresh masking key (5.3)
// and the masked payload.
func appendFrame(dst []byte, op byte, payload []byte) []byte {
	dst = append(dst, 0x80|op) // FIN
	switch n := len(payload); {
	case n <= 125:
		dst = append(dst, 0x80|byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x80|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	key := rand.Uint32()
	dst = binary.LittleEndian.AppendUint32(dst, key)
	start := len(dst)
	dst = append(dst, payload...)
	mask(dst[start:], key)
	return dst
}

// mask XORs b with the masking key, whose first byte is key's lowest (as
// appendFrame writes it), eight bytes at a time where it can.
func mask(b []byte, key uint32) {
	k8 := uint64(key) | uint64(key)<<32
	i := 0
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k8)
	}
	for ; i < len(b); i++ {
		b[i] ^= byte(key >> (8 * (i % 4)))
	}
}
