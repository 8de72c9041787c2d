package conformance

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/stampede-sio/stampede/conformance/check"
)

// Every key of waits names a case (or the transport variants of one),
// so that a renamed case cannot drop out of the estimate unseen.
func TestWaitsKnown(t *testing.T) {
	t.Parallel()
	for key := range waits {
		found := false
		for _, c := range Cases() {
			if c.ID == key || strings.HasPrefix(c.ID, key+"/") {
				found = true
			}
		}
		assert.True(t, found, "waits names %s, which is no case", key)
	}
}

// The estimate is the longest heartbeat wait at the target's settings: at
// 25s/20s EIO-5/pong-keeps waits three pings (75s, measured 75.0s against
// the refserver); at 300ms/200ms CHAT-4's fixed 3s reaper dominates
// (measured 4 to 7.5s for the 203 cases on a loaded machine), and with a
// session timeout of 5s SESS-3/kept (measured 12.6s).
func TestEstimate(t *testing.T) {
	t.Parallel()
	all := Cases()
	total, pings := Estimate(all, Timers{PingInterval: 25 * time.Second, PingTimeout: 20 * time.Second}, 16)
	assert.Equal(t, 75*time.Second, pings)
	assert.InDelta(t, 76, total.Seconds(), 1)

	fast := Timers{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond}
	total, pings = Estimate(all, fast, 16)
	assert.Equal(t, 900*time.Millisecond, pings)
	assert.InDelta(t, 6.5, total.Seconds(), 0.1)

	fast.SessionTimeout = 5 * time.Second
	total, _ = Estimate(all, fast, 16)
	assert.InDelta(t, 13, total.Seconds(), 0.1, "SESS-3/kept waits two and a half session timeouts")

	app := Select(all, Options{Layers: []check.Layer{check.LayerApp}})
	_, pings = Estimate(app, Timers{PingInterval: 25 * time.Second, PingTimeout: 20 * time.Second}, 16)
	assert.Zero(t, pings, "the app layer waits for no ping")
}

func announced(t *testing.T, pi, pt time.Duration, cases []check.Case) string {
	t.Helper()
	u, _ := url.Parse("http://127.0.0.1:1")
	var b bytes.Buffer
	announce(&b, &check.Target{URL: u, PingInterval: pi, PingTimeout: pt}, cases, 16)
	return b.String()
}

// Before the run: the estimate at the announced settings, and the hint to
// the fast ones only when the pings make the run long.
func TestAnnounceHint(t *testing.T) {
	t.Parallel()
	slow := announced(t, 25*time.Second, 20*time.Second, Cases())
	assert.Contains(t, slow, "cases, about 76s at the target's settings (pingInterval 25s, pingTimeout 20s)\n")
	assert.Contains(t, slow, "the target pings every 25s: cases that wait for pings take ~75s; "+
		"a server started with --ping-interval 300ms --ping-timeout 200ms (stampede serve --lab, or your server's equivalent) checks in ~")

	fast := announced(t, 300*time.Millisecond, 200*time.Millisecond, Cases())
	assert.Contains(t, fast, "about ")
	assert.NotContains(t, fast, "--ping-interval", "no hint when the run is short")

	app := announced(t, 25*time.Second, 20*time.Second, Select(Cases(), Options{Layers: []check.Layer{check.LayerApp}}))
	assert.NotContains(t, app, "--ping-interval", "no hint when nothing waits for pings")

	assert.Contains(t, announced(t, 0, 0, Cases()), "announced no pingInterval")
}
