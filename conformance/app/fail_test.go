package app_test

import (
	"context"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance"
	"github.com/stampede-sio/stampede/conformance/app"
	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/reports"
)

// breaker is how a case is shown to fail: a refserver fault (profile
// documented), or, for the rows of PROTOCOL.md's profile table, the
// refserver of the other profile (checked both ways).
type breaker struct {
	fault        string
	otherProfile bool
}

func fault(name string) breaker { return breaker{fault: name} }

var otherProfile = breaker{otherProfile: true}

// breakers maps every case of the layer to how it is broken; a case
// missing here fails TestEveryCaseFails.
var breakers = map[string]breaker{
	"AUTH-1/bad-signature":    fault("accept-bad-tokens"),
	"AUTH-1/alg-none":         fault("accept-bad-tokens"),
	"AUTH-1/hs512":            fault("accept-bad-tokens"),
	"AUTH-1/rs256":            fault("accept-bad-tokens"),
	"AUTH-1/expired":          fault("accept-bad-tokens"),
	"AUTH-1/pending-role":     fault("accept-bad-tokens"),
	"AUTH-1/revoked-jti":      fault("accept-bad-tokens"),
	"AUTH-1/revoked-user":     fault("accept-bad-tokens"),
	"AUTH-1/exp-string":       fault("accept-bad-tokens"),
	"AUTH-1/iat-string":       fault("accept-bad-tokens"),
	"AUTH-1/nbf-string":       fault("accept-bad-tokens"),
	"AUTH-1/exp-out-of-range": fault("accept-bad-tokens"),
	"AUTH-1/iat-future":       fault("accept-bad-tokens"),
	"AUTH-1/unknown-user":     fault("auth-bypass"),
	"AUTH-1/sk-key":           fault("auth-bypass"),
	"AUTH-1/missing":          fault("auth-bypass"),
	"AUTH-1/malformed":        fault("auth-bypass"),

	"AUTH-2/session-entry": fault("keep-private-fields"),
	"AUTH-2/user-room":     fault("no-user-room"),

	"AUTH-3/missing": otherProfile,
	"AUTH-3/forged":  otherProfile,
	"AUTH-3/expired": otherProfile,
	"AUTH-3/api-key": otherProfile,

	"AUTH-4/ack":               fault("drop-acks"),
	"AUTH-4/failure":           fault("accept-bad-tokens"),
	"AUTH-4/session-and-rooms": fault("no-user-room"),
	"AUTH-4/idempotent":        fault("drop-acks"),

	"AUTH-5/second-user": otherProfile,

	"AUTH-6/revoke-token": fault("no-revocation-disconnect"),
	"AUTH-6/revoke-user":  fault("no-revocation-disconnect"),
	"AUTH-6/role-pending": fault("no-revocation-disconnect"),
	"AUTH-6/delete-user":  fault("no-revocation-disconnect"),

	"AUTH-7/channel-typing": fault("payload-identity"),
	"AUTH-7/chat-event":     fault("payload-identity"),

	"SESS-1/interval":    fault("wrong-api-shapes"),
	"SESS-2/last-seen":   fault("drop-event=heartbeat"),
	"SESS-2/last-active": fault("drop-event=heartbeat"),
	"SESS-2/ack":         fault("drop-acks"),
	"SESS-2/recreate":    fault("drop-event=heartbeat"),
	"SESS-3/reaped":      fault("no-session-reaper"),
	"SESS-3/kept":        fault("drop-event=heartbeat"),
	"SESS-4/session":     fault("keep-session-on-disconnect"),
	"SESS-4/usage":       fault("keep-session-on-disconnect"),

	"CHAN-1/user-join":     fault("drop-event=user-join"),
	"CHAN-1/join-channels": fault("drop-event=join-channels"),
	"CHAN-1/join-channel":  fault("drop-event=join-channel"),
	"CHAN-1/no-permission": fault("channels-for-all"),
	"CHAN-1/not-member":    fault("channels-for-all"),
	"CHAN-2/typing":        fault("echo-typing-to-others-only"),
	"CHAN-2/non-member":    fault("relay-any-channel-event"),
	"CHAN-2/other-types":   fault("relay-any-channel-event"),
	"CHAN-3/message":       fault("no-channel-messages"),
	"CHAN-4/removed":       fault("no-channel-leave"),
	"CHAN-4/deleted":       fault("no-channel-leave"),
	"CHAN-5/readable":      fault("drop-event=join-note"),
	"CHAN-5/denied":        fault("join-any-note"),

	"CHAT-1/every-tab":      fault("no-user-room"),
	"CHAT-1/no-one-else":    fault("events-to-everyone"),
	"CHAT-1/stream":         fault("no-user-room"),
	"CHAT-2/own-sid":        fault("call-no-ack"),
	"CHAT-2/other-user-sid": fault("call-any-sid"),
	"CHAT-2/unknown-sid":    fault("call-any-sid"),
	"CHAT-3/chat-list":      fault("drop-event=events:chat"),
	"CHAT-4/listed":         fault("drop-event=usage"),
	"CHAT-4/reaped":         fault("no-usage-reaper"),

	"DOC-1/state":             fault("drop-event=ydoc:document:join"),
	"DOC-1/user-joined":       fault("drop-event=ydoc:document:join"),
	"DOC-1/note-underscore":   fault("drop-event=ydoc:document:join"),
	"DOC-1/no-read-access":    fault("join-any-note"),
	"DOC-1/missing-id":        fault("drop-event=ydoc:document:join"),
	"DOC-1/non-note":          otherProfile,
	"DOC-2/relay":             fault("drop-event=ydoc:document:update"),
	"DOC-2/user-id":           fault("drop-event=ydoc:document:update"),
	"DOC-2/binary":            fault("doc-binary-relay"),
	"DOC-2/not-echoed":        fault("doc-echo-to-sender"),
	"DOC-2/reader":            fault("doc-relay-from-readers"),
	"DOC-2/non-member":        fault("doc-relay-from-readers"),
	"DOC-3/debounce":          fault("no-save-debounce"),
	"DOC-3/newer-replaces":    fault("no-save-debounce"),
	"DOC-3/resync-keeps-save": fault("cancel-save-on-resync"),
	"DOC-4/state":             fault("drop-event=ydoc:document:state"),
	"DOC-4/awareness":         fault("payload-identity"),
	"DOC-5/compaction":        fault("no-doc-compaction"),
	"DOC-6/leave":             fault("drop-event=ydoc:document:leave"),
	"DOC-6/disconnect":        fault("keep-session-on-disconnect"),
	"DOC-6/last-leave":        fault("no-doc-clear"),

	"HTTP-config":  fault("wrong-api-shapes"),
	"HTTP-version": fault("wrong-api-shapes"),
	"HTTP-usage":   fault("wrong-api-shapes"),
}

// unbreakable are cases that cannot be run here at all, with why; they
// must skip against the refserver (TestLayerPasses checks the reason).
var unbreakable = map[string]string{}

// Every case has a way to be broken, and no entry is stale.
func TestBreakersComplete(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	for _, c := range app.Cases() {
		ids[c.ID] = true
		if c.Layer == check.LayerScale {
			assert.NotEmpty(t, scaleBreakers[c.ID], "%s: a scale case needs its faults in scaleBreakers", c.ID)
			continue
		}
		_, broken := breakers[c.ID]
		_, exempt := unbreakable[c.ID]
		assert.True(t, broken != exempt, "%s: needs exactly one of a breaker or an exemption", c.ID)
	}
	for id := range breakers {
		assert.True(t, ids[id], "breaker for unknown case %s", id)
	}
	for id := range scaleBreakers {
		assert.True(t, ids[id], "scale breaker for unknown case %s", id)
	}
	for id := range unbreakable {
		assert.True(t, ids[id], "exemption for unknown case %s", id)
		assert.Contains(t, legitimateSkips, id, "an unbreakable case must be a legitimate skip")
	}
}

// demo is one refserver and the cases run against it.
type demo struct {
	server, profile, fault string
	ids                    []string
}

func (d demo) name() string {
	if d.fault != "" {
		return d.fault
	}
	return d.profile + "-case-on-" + d.server + "-server"
}

// demos groups the cases by the server that breaks them, so that each
// server runs each case once (some cases change the population).
func demos() []demo {
	byKey := map[string]*demo{}
	add := func(d demo, id string) {
		k := d.name()
		if byKey[k] == nil {
			byKey[k] = &d
		}
		byKey[k].ids = append(byKey[k].ids, id)
	}
	for _, c := range app.Cases() {
		b, ok := breakers[c.ID]
		switch {
		case !ok:
		case b.otherProfile:
			add(demo{server: "open-webui", profile: "documented"}, c.ID)
			add(demo{server: "documented", profile: "open-webui"}, c.ID)
		default:
			add(demo{server: "documented", profile: "documented", fault: b.fault}, c.ID)
		}
	}
	var out []demo
	for _, d := range byKey {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name() < out[j].name() })
	return out
}

// Every case fails against a server that breaks it, with what was
// expected and what happened. The servers run at once, whatever -parallel.
func TestEveryCaseFails(t *testing.T) {
	t.Parallel()
	ds := demos()
	recs := make([]*reports.Check, len(ds))
	errs := make([]error, len(ds))
	var wg sync.WaitGroup
	for i, d := range ds {
		var faults []string
		if d.fault != "" {
			faults = append(faults, d.fault)
		}
		tgt := target(t, serve(t, d.server, faults...), d.profile)
		var quoted []string
		for _, id := range d.ids {
			quoted = append(quoted, regexp.QuoteMeta(id))
		}
		opts := conformance.Options{Layers: []check.Layer{check.LayerApp}, Run: regexp.MustCompile("^(" + strings.Join(quoted, "|") + ")$")}
		wg.Add(1)
		go func() {
			defer wg.Done()
			recs[i], errs[i] = conformance.Run(context.Background(), tgt, opts)
		}()
	}
	wg.Wait()
	for i, d := range ds {
		t.Run(d.name(), func(t *testing.T) {
			require.NoError(t, errs[i])
			assert.Len(t, recs[i].Cases, len(d.ids))
			for _, c := range recs[i].Cases {
				assert.True(t, slices.Contains(d.ids, c.ID), c.ID)
				assertFailed(t, c, d.name())
			}
		})
	}
}

// assertFailed checks that case c failed against the server named against,
// saying what it expected and what happened, and not by running out of time.
func assertFailed(t *testing.T, c reports.CheckCase, against string) {
	t.Helper()
	if !assert.Equal(t, reports.StatusFail, c.Status, "%s against %s: %s", c.ID, against, c.Reason) {
		return
	}
	if testing.Verbose() {
		t.Logf("%s: expected %s; actual %.200s", c.ID, c.Expected, c.Actual)
	}
	assert.NotEmpty(t, c.Expected, c.ID)
	assert.NotEmpty(t, c.Actual, c.ID)
	assert.NotContains(t, c.Expected, "the case to finish", "%s failed by running out of time: %s", c.ID, c.Actual)
}
