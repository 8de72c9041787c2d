package socketio_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/stampede-sio/stampede/conformance"
	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/reports"
)

// junk is what the garbage server sends instead of its messages: wrong
// shapes first (the cases get further), then what no client can parse.
var junk = []engineio.Packet{
	{Type: engineio.Message, Data: []byte(`2/custom,["message-back"]`)},
	{Type: engineio.Message, Data: []byte(`3/custom,0[]`)},
	{Type: engineio.Message, Data: []byte(`2["shouted",{"a":[1,{"b":null}]}]`)},
	{Type: engineio.Message, Data: []byte(`1/custom,`)},
	{Type: engineio.Message, Data: []byte(`0/custom,{"sid":42}`)},
	{Type: engineio.Message, Data: []byte(`4/custom,17`)},
	{Type: engineio.Message, Data: []byte(`451-/custom,["message-back",{"_placeholder":true,"num":3}]`)},
	{Type: engineio.Message, Binary: true, Data: []byte{0xde, 0xad, 0xbe, 0xef}},
	{Type: engineio.Message, Data: []byte("2[\"\xff\xfe\"")},
	{Type: engineio.Message, Data: []byte(`9`)},
	{Type: engineio.PacketType(9), Data: []byte("junk")},
}

// hostile faults: servers that misbehave beyond any one requirement.
var hostile = map[string]struct {
	f   fault
	cfg refserver.Config
}{
	// garbage: the CONNECT reply, then junk for every message.
	"garbage": {cfg: refserver.Config{Lab: true}, f: fault{eng: func(s *session, d dir, p engineio.Packet) []engineio.Packet {
		if d == up || p.Type != engineio.Message {
			return []engineio.Packet{p}
		}
		n, _ := s.vars["n"].(int)
		s.vars["n"] = n + 1
		if s.sio && n == 0 {
			return []engineio.Packet{p}
		}
		return []engineio.Packet{junk[n%len(junk)]}
	}}},
	// silent: the Engine.IO handshake and pings, and not one message.
	"silent": {cfg: refserver.Config{Lab: true}, f: fault{eng: func(_ *session, d dir, p engineio.Packet) []engineio.Packet {
		if d == down && p.Type == engineio.Message {
			return nil
		}
		return []engineio.Packet{p}
	}}},
	// dead: nothing at all after the OPEN packet, not even pings, with
	// timings that keep the client waiting longer than check.Wait.
	"dead": {cfg: refserver.Config{Lab: true, PingInterval: 3 * time.Second, PingTimeout: 3 * time.Second},
		f: fault{eng: func(_ *session, d dir, p engineio.Packet) []engineio.Packet {
			if d == down && p.Type != engineio.Open {
				return nil
			}
			return []engineio.Packet{p}
		}}},
	// drop: the connection is cut without a word after two messages (on
	// the Socket.IO path: the CONNECT reply and auth).
	"drop": {cfg: refserver.Config{Lab: true}, f: fault{eng: func(s *session, d dir, p engineio.Packet) []engineio.Packet {
		if d == up || p.Type != engineio.Message {
			return []engineio.Packet{p}
		}
		n, _ := s.vars["n"].(int)
		if s.vars["n"] = n + 1; n >= 2 {
			s.drop()
			return nil
		}
		return []engineio.Packet{p}
	}}},
}

// TestHostileTargets: against servers that send garbage, fall silent after
// the handshake, die, or cut connections mid-case, every case ends by itself
// within its timeout, and none panics.
func TestHostileTargets(t *testing.T) {
	t.Parallel()
	var (
		names   []string
		targets []check.Target
		opts    []conformance.Options
	)
	for name, h := range hostile {
		names = append(names, name)
		targets = append(targets, labTarget(mangled(t, h.cfg, h.f), false))
		opts = append(opts, conformance.Options{Parallel: 64})
	}
	start := time.Now()
	recs := runAll(t, targets, opts)
	elapsed := time.Since(start)
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			tally := map[string]int{}
			for _, c := range recs[i].Cases {
				tally[c.Status]++
				assert.NotContains(t, c.Actual, "when its time ran out", "%s did not end by itself", c.ID)
				assert.NotContains(t, c.Actual, "panicked", c.ID)
				if c.Status == reports.StatusFail {
					assert.NotEmpty(t, c.Expected, c.ID)
					assert.NotEmpty(t, c.Actual, c.ID)
				}
				if c.Status == reports.StatusPass {
					t.Logf("passes anyway: %s", c.ID)
				}
			}
			t.Logf("%v in %.1fs; e.g. %s", tally, recs[i].Duration, example(recs[i]))
		})
	}
	assert.Less(t, elapsed, 40*time.Second)
}

func example(rec *reports.Check) string {
	for _, c := range rec.Cases {
		if c.Status == reports.StatusFail && strings.HasPrefix(c.ID, "SIO-4") {
			return c.ID + ": expected " + c.Expected + "; actual " + c.Actual
		}
	}
	return ""
}
