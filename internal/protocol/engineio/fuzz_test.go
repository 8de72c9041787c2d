package engineio_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// textSeeds are the packets PROTOCOL.md section 1 shows, plus near misses.
var textSeeds = []string{
	`0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
	"1", "2", "3", "5", "6", "2probe", "3probe",
	`40{"token":"x"}`, `42["ev",1]`, `451-["name",{"_placeholder":true,"num":0}]`,
	"bAQID", "b", "bAQIDBA==", "b!!", "bAQ", "7", "x", "",
}

// FuzzDecodeText checks that DecodeText never panics, that its errors wrap
// ErrMalformed, and that a decoded packet survives AppendText (EIO-7, EIO-11).
func FuzzDecodeText(f *testing.F) {
	for _, s := range textSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := engineio.DecodeText(in)
		if err != nil {
			if !errors.Is(err, engineio.ErrMalformed) {
				t.Fatalf("DecodeText(%q) error %v does not wrap ErrMalformed", in, err)
			}
			return
		}
		if !p.Type.Valid() {
			t.Fatalf("DecodeText(%q) = type %v, not a valid type", in, p.Type)
		}
		wire := engineio.AppendText(nil, p)
		again, err := engineio.DecodeText(wire)
		if err != nil {
			t.Fatalf("DecodeText(AppendText(%+v)) = %q: %v", p, wire, err)
		}
		if !reflect.DeepEqual(p, again) {
			t.Fatalf("round trip of %q: got %+v, want %+v", in, again, p)
		}
	})
}

// FuzzDecodePayload checks polling payloads the same way (EIO-8): whenever
// DecodePayload succeeds, decode(encode(decode(x))) equals decode(x).
func FuzzDecodePayload(f *testing.F) {
	for _, s := range textSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte("4hello\x1e4world"))
	f.Add([]byte("4hello\x1ebAQID\x1e2"))
	f.Add([]byte("451-[\"up\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID"))
	f.Add([]byte("4a\x1e"))
	f.Add([]byte("\x1e"))
	f.Fuzz(func(t *testing.T, body []byte) {
		pkts, err := engineio.DecodePayload(body)
		if err != nil {
			if !errors.Is(err, engineio.ErrMalformed) {
				t.Fatalf("DecodePayload(%q) error %v does not wrap ErrMalformed", body, err)
			}
			if pkts != nil {
				t.Fatalf("DecodePayload(%q) returned packets with error %v", body, err)
			}
			return
		}
		if len(pkts) == 0 {
			t.Fatalf("DecodePayload(%q) succeeded with no packets", body)
		}
		wire := engineio.AppendPayload(nil, pkts)
		again, err := engineio.DecodePayload(wire)
		if err != nil {
			t.Fatalf("DecodePayload(AppendPayload(%+v)) = %q: %v", pkts, wire, err)
		}
		if !reflect.DeepEqual(pkts, again) {
			t.Fatalf("round trip of %q: got %+v, want %+v", body, again, pkts)
		}
	})
}

// FuzzParseOpen checks that any OPEN body ParseOpen accepts re-encodes to
// the same OpenInfo (EIO-4).
func FuzzParseOpen(f *testing.F) {
	f.Add([]byte(textSeeds[0]))
	f.Add([]byte(`0{"sid":"a","upgrades":null}`))
	f.Add([]byte(`0{"sid":""}`))
	f.Add([]byte(`0{"SID":"a","pingInterval":1.5}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := engineio.DecodeText(in)
		if err != nil {
			return
		}
		info, err := engineio.ParseOpen(p)
		if err != nil {
			if !errors.Is(err, engineio.ErrMalformed) {
				t.Fatalf("ParseOpen(%q) error %v does not wrap ErrMalformed", in, err)
			}
			return
		}
		again, err := engineio.ParseOpen(engineio.OpenPacket(info))
		if err != nil {
			t.Fatalf("ParseOpen(OpenPacket(%+v)): %v", info, err)
		}
		if info.Upgrades == nil {
			info.Upgrades = []string{} // OpenPacket always sends a list
		}
		if !reflect.DeepEqual(info, again) {
			t.Fatalf("round trip of %q: got %+v, want %+v", in, again, info)
		}
	})
}
