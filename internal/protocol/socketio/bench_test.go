package socketio_test

import (
	"bytes"
	"testing"

	sio "github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// typicalEvent is an open-webui `events` push (CHAT-1) as a Socket.IO EVENT.
const typicalEvent = `2["events",{"chat_id":"6f1c2a9e-8d4b-4f7a-9c3e-2b5d7a1f0e84","message_id":"b3e9d2c1-7a6f-4e8d-9b2c-1f0a3e5d7c96","data":{"type":"chat:completion","data":{"content":"hello world"}}}]`

func BenchmarkAppendEvent(b *testing.B) {
	p, err := sio.Decode([]byte(typicalEvent))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalEvent)))
	for b.Loop() {
		buf = sio.Append(buf[:0], p)
	}
}

func BenchmarkDecodeEvent(b *testing.B) {
	wire := []byte(typicalEvent)
	b.ReportAllocs()
	b.SetBytes(int64(len(wire)))
	for b.Loop() {
		if _, err := sio.Decode(wire); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSplitEvent(b *testing.B) {
	p, err := sio.Decode([]byte(typicalEvent))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := sio.SplitEvent(p.Data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEventData(b *testing.B) {
	p, err := sio.Decode([]byte(typicalEvent))
	if err != nil {
		b.Fatal(err)
	}
	name, args, err := sio.SplitEvent(p.Data)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		sio.EventData(name, args)
	}
}

// BenchmarkDecodeBinaryEvent is a BINARY_EVENT with one 1 KiB attachment
// through a Decoder, then Reconstruct (SIO-5).
func BenchmarkDecodeBinaryEvent(b *testing.B) {
	text := []byte(`51-["upload",{"name":"a.bin","file":{"_placeholder":true,"num":0}}]`)
	att := bytes.Repeat([]byte{0xab}, 1024)
	var d sio.Decoder
	b.ReportAllocs()
	b.SetBytes(int64(len(text) + len(att)))
	for b.Loop() {
		if _, _, err := d.DecodeText(text); err != nil {
			b.Fatal(err)
		}
		msg, ok, err := d.DecodeBinary(att)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		if _, err := sio.Reconstruct(msg.Data, msg.Attachments); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDeconstruct(b *testing.B) {
	v := []any{"upload", map[string]any{"name": "a.bin", "file": bytes.Repeat([]byte{0xab}, 1024)}}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := sio.Deconstruct(v); err != nil {
			b.Fatal(err)
		}
	}
}
