package engineio_test

import (
	"bytes"
	"testing"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// typicalEvent is an open-webui `events` push (CHAT-1) as a Socket.IO EVENT.
const typicalEvent = `2["events",{"chat_id":"6f1c2a9e-8d4b-4f7a-9c3e-2b5d7a1f0e84","message_id":"b3e9d2c1-7a6f-4e8d-9b2c-1f0a3e5d7c96","data":{"type":"chat:completion","data":{"content":"hello world"}}}]`

// tenPackets is a polling body of ten message packets (EIO-8).
func tenPackets() []engineio.Packet {
	pkts := make([]engineio.Packet, 10)
	for i := range pkts {
		pkts[i] = engineio.Packet{Type: engineio.Message, Data: []byte(typicalEvent)}
	}
	return pkts
}

func BenchmarkAppendText(b *testing.B) {
	p := engineio.Packet{Type: engineio.Message, Data: []byte(typicalEvent)}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalEvent) + 1))
	for b.Loop() {
		buf = engineio.AppendText(buf[:0], p)
	}
}

func BenchmarkDecodeText(b *testing.B) {
	wire := []byte("4" + typicalEvent)
	b.ReportAllocs()
	b.SetBytes(int64(len(wire)))
	for b.Loop() {
		if _, err := engineio.DecodeText(wire); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendPayload10(b *testing.B) {
	pkts := tenPackets()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(engineio.AppendPayload(nil, pkts))))
	for b.Loop() {
		buf = engineio.AppendPayload(buf[:0], pkts)
	}
}

func BenchmarkDecodePayload10(b *testing.B) {
	body := engineio.AppendPayload(nil, tenPackets())
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		pkts, err := engineio.DecodePayload(body)
		if err != nil || len(pkts) != 10 {
			b.Fatal(len(pkts), err)
		}
	}
}

// BenchmarkDecodePayloadBinary is a polling body carrying one binary event
// and its 1 KiB attachment as "b<base64>" (EIO-11).
func BenchmarkDecodePayloadBinary(b *testing.B) {
	body := engineio.AppendPayload(nil, []engineio.Packet{
		{Type: engineio.Message, Data: []byte(`51-["upload",{"_placeholder":true,"num":0}]`)},
		engineio.DecodeBinary(bytes.Repeat([]byte{0xab}, 1024)),
	})
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := engineio.DecodePayload(body); err != nil {
			b.Fatal(err)
		}
	}
}
