package socketio_test

import (
	"context"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance"
	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/conformance/socketio"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/reports"
)

// demo is a misbehaving server: a lab refserver (with cfg's faults) behind
// a mangler with f, checked with Target.Strict when strict.
type demo struct {
	f      fault
	cfg    func(*refserver.Config)
	strict bool
}

// demos maps every case ID to the misbehaving server that makes it fail.
func demos() map[string]demo {
	d := map[string]demo{
		"SIO-1/namespaced-event":               {f: elsewhere},
		"SIO-1/ack-encoding":                   {f: elsewhere},
		"SIO-1/binary-header":                  {f: binaryInlined},
		"SIO-2/distinct-sids":                  {f: sameSID},
		"SIO-3/invalid-namespace":              {f: acceptAnyNamespace},
		"SIO-3/session-stays":                  {f: closeAfterConnectError},
		"SIO-4/ack-once":                       {f: duplicateAcks},
		"SIO-4/ack-id-echoed":                  {f: shiftAckIDs},
		"SIO-4/ack-concurrent":                 {f: shiftAckIDs},
		"SIO-4/unknown-event-no-ack":           {f: unknownAcked},
		"SIO-7/client-disconnect-leaves-rooms": {f: dropClientDisconnect},
		"SIO-7/server-disconnect":              {f: disconnectAsClose},
		"SIO-7/disconnect-one-namespace":       {f: closeOnClientDisconnect},
		"ECHO-2/auth-first":                    {f: authBeforeConnect},
		"ECHO-2/empty-auth":                    {f: authNull},
		"ECHO-3/message-back":                  {f: truncateMessageBack},
		"ECHO-4/ack-same-args":                 {f: truncateAckArgs},
		"ECHO-5/exact-bytes":                   {f: spacedConnectError},
		"ECHO-7/join-ack":                      {cfg: func(c *refserver.Config) { c.Faults.SIO.DropAcks = true }},
		"ECHO-7/shout-members":                 {f: dropShouted},
		"ECHO-7/shout-sender-included":         {f: dropOwnShout},
		"ECHO-7/non-member-excluded":           {f: leakShouts},
	}
	perTransport := map[string]demo{
		"SIO-2/connect-sid":          {f: engineSIDs},
		"SIO-5/binary-event":         {f: flipBinary},
		"SIO-5/multiple-attachments": {f: swapAttachments},
		// Outside --strict a server that only drops the packet passes, as
		// python does; these show the strict failure. others-unaffected
		// shows the non-strict one.
		"SIO-6/bad-json":               {f: swallowMalformed, strict: true},
		"SIO-6/unknown-type":           {f: swallowMalformed, strict: true},
		"SIO-6/name-not-string":        {f: swallowMalformed, strict: true},
		"SIO-6/text-while-awaiting":    {f: swallowMalformed, strict: true},
		"SIO-6/too-many-attachments":   {f: swallowMalformed, strict: true},
		"SIO-6/bad-ack-id":             {f: swallowMalformed, strict: true},
		"SIO-6/type-a":                 {f: swallowMalformed, strict: true},
		"SIO-6/not-array":              {f: swallowMalformed, strict: true},
		"SIO-6/garbage-before-connect": {f: swallowMalformed, strict: true},
		"SIO-6/others-unaffected":      {f: killAllOnMalformed},
		"SIO-8/order":                  {f: reorderMessageBack},
		"ECHO-1/text":                  {f: engineAlterText},
		"ECHO-1/binary":                {f: engineBinaryAsText},
		"ECHO-1/no-early-packets":      {f: engineEarly},
		"ECHO-3/binary-kept":           {f: binaryInlined},
		"ECHO-4/binary-ack":            {f: binaryInlined},
		"ECHO-6/pings-go-on":           {f: closeOnClientDisconnect},
	}
	for id, x := range perTransport {
		d[id+"/websocket"], d[id+"/polling"] = x, x
	}
	return d
}

// calmLab is the lab refserver with pings every second and two seconds to
// answer: the failure table runs fifty servers at once, which a machine
// with the race detector on does not serve at lab speed (300 ms, 200 ms)
// without missing pongs, and a ping timeout closes connections as the
// faults under test do.
func calmLab() refserver.Config {
	return refserver.Config{Lab: true, PingInterval: time.Second, PingTimeout: 2 * time.Second}
}

// labTarget is the check target for a lab refserver (or a mangler in front
// of one) at u.
func labTarget(u *url.URL, strict bool) check.Target {
	return check.Target{URL: u, Path: "/socket.io/", EchoNamespace: "/custom", EnginePath: "/engine.io/",
		Profile: "documented", Strict: strict}
}

// runAll runs one conformance run per target at once (the machine may have
// two cores, and most failing cases wait out check.Wait) and returns the
// records in order.
func runAll(t *testing.T, targets []check.Target, opts []conformance.Options) []*reports.Check {
	t.Helper()
	recs := make([]*reports.Check, len(targets))
	errs := make([]error, len(targets))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for i := range targets {
		wg.Go(func() {
			o := opts[i]
			o.Layers = []check.Layer{check.LayerSocketIO}
			recs[i], errs[i] = conformance.Run(ctx, targets[i], o)
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return recs
}

// TestEveryCaseFails runs each case alone against the server that breaks
// what it checks, and requires a failure with expected and actual.
func TestEveryCaseFails(t *testing.T) {
	t.Parallel()
	ds := demos()
	cases := socketio.Cases()
	ids := make(map[string]bool)
	for _, c := range cases {
		ids[c.ID] = true
		if _, ok := ds[c.ID]; !ok {
			t.Errorf("%s: no misbehaving server shows it failing; add one to demos()", c.ID)
		}
	}
	for id := range ds {
		if !ids[id] {
			t.Errorf("demos() has %s, which is not a case", id)
		}
	}
	var (
		order   []string
		targets []check.Target
		opts    []conformance.Options
	)
	for _, c := range cases {
		d, ok := ds[c.ID]
		if !ok {
			continue
		}
		cfg := calmLab()
		if d.cfg != nil {
			d.cfg(&cfg)
		}
		order = append(order, c.ID)
		targets = append(targets, labTarget(mangled(t, cfg, d.f), d.strict))
		opts = append(opts, conformance.Options{Run: regexp.MustCompile("^" + regexp.QuoteMeta(c.ID) + "$")})
	}
	recs := runAll(t, targets, opts)
	for i, id := range order {
		t.Run(id, func(t *testing.T) {
			require.Len(t, recs[i].Cases, 1)
			r := recs[i].Cases[0]
			assert.Equal(t, reports.StatusFail, r.Status, "%s: reason %q", id, r.Reason)
			assert.NotEmpty(t, r.Expected)
			assert.NotEmpty(t, r.Actual)
			t.Logf("%.1fs\nexpected: %s\nactual:   %s", r.Duration, r.Expected, r.Actual)
		})
	}
}

// TestManglerTransparent: with no fault the mangler changes nothing, so the
// failures above are the faults' doing.
func TestManglerTransparent(t *testing.T) {
	t.Parallel()
	targets := []check.Target{labTarget(mangled(t, calmLab(), fault{}), true)}
	rec := runAll(t, targets, []conformance.Options{{}})[0]
	var bad []string
	for _, c := range rec.Cases {
		if c.Status != reports.StatusPass {
			bad = append(bad, c.ID+": "+c.Status+" "+c.Reason+"\n expected: "+c.Expected+"\n actual: "+c.Actual+"\n"+strings.Join(c.Exchange, "\n"))
		}
	}
	sort.Strings(bad)
	assert.Empty(t, bad)
}
