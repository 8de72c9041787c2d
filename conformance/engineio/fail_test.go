package engineio_test

import (
	"bytes"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance/engineio"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/engine"
	"github.com/stampede-sio/stampede/reports"
)

// misbehaving is a refserver made to break one requirement: a fault inside
// it, middleware in front of it, or both.
type misbehaving struct {
	transports []string // default polling,websocket
	faults     refserver.Faults
	cors       []string
	mw         middleware
}

func (m misbehaving) start(t *testing.T) string {
	trs := m.transports
	if trs == nil {
		trs = []string{"polling", "websocket"}
	}
	cfg := refConfig(trs...)
	cfg.Faults = m.faults
	cfg.CORSOrigins = m.cors
	return startRef(t, cfg, m.mw)
}

// Ways of misbehaving shared by several cases.
var (
	noPing      = misbehaving{faults: refserver.Faults{Engine: engine.Faults{NoPing: true}}}
	wrongStatus = misbehaving{mw: statusAs(http.StatusBadRequest, http.StatusNotFound)}
	// refuseUpgrade refuses every websocket for an existing session.
	refuseUpgrade = misbehaving{mw: onRequest(func(w http.ResponseWriter, r *http.Request) bool {
		if isSid(r) && r.URL.Query().Get("transport") == "websocket" {
			http.Error(w, "no upgrades here", http.StatusBadRequest)
			return true
		}
		return false
	})}
	// ignoreUnparsable drops what it cannot parse from POST bodies.
	ignoreUnparsable = misbehaving{mw: dropPackets(unparsable)}
	payloadOffByOne  = misbehaving{faults: refserver.Faults{Engine: engine.Faults{EnforcePayload: maxPayload - 1}}}
	noPayloadLimit   = misbehaving{faults: refserver.Faults{Engine: engine.Faults{EnforcePayload: 10 * maxPayload}}}
	binaryAsText     = misbehaving{faults: refserver.Faults{Engine: engine.Faults{BinaryAsText: true}}}
	upgradeStatus    = misbehaving{mw: statusAs(http.StatusBadRequest, http.StatusUpgradeRequired)}
)

// failing maps every case to a server it must fail against.
var failing = map[string]misbehaving{
	"EIO-1/path": {mw: onRequest(func(w http.ResponseWriter, r *http.Request) bool {
		if under(r, "/ws/socket.io") {
			http.NotFound(w, r)
			return true
		}
		return false
	})},
	"EIO-1/polling": {mw: onRequest(func(w http.ResponseWriter, r *http.Request) bool {
		if under(r, "/ws/socket.io") && isPollingGet(r) {
			http.Error(w, "lost the session", http.StatusBadRequest)
			return true
		}
		return false
	})},
	"EIO-1/websocket": noPing,
	"EIO-2/eio3":      {mw: acceptAnyVersion},
	"EIO-2/missing":   {mw: acceptAnyVersion},
	"EIO-3/unknown-transport": {mw: onRequest(func(_ http.ResponseWriter, r *http.Request) bool {
		if tr := r.URL.Query().Get("transport"); tr != "polling" && tr != "websocket" {
			setQuery(r, "transport", "polling")
		}
		return false
	})},
	"EIO-2/eio-abc": {mw: acceptAnyVersion},
	"EIO-3/missing-transport": {mw: onRequest(func(_ http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("transport") == "" {
			setQuery(r, "transport", "polling")
		}
		return false
	})},
	"EIO-3/ws-unknown-transport": {mw: wsAnyTransport},
	"EIO-3/ws-missing-transport": {mw: wsAnyTransport},
	"EIO-3/put": {mw: onRequest(func(_ http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut && !isSid(r) {
			r.Method = http.MethodGet
		}
		return false
	})},
	"EIO-3/closed-sid":    goneSIDError,
	"EIO-3/timed-out-sid": goneSIDError,
	"EIO-3/transport-off": {transports: []string{"websocket"}, mw: wrongStatus.mw},
	"EIO-3/post-handshake": {mw: onRequest(func(_ http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost && !isSid(r) {
			r.Method = http.MethodGet
		}
		return false
	})},
	"EIO-3/unknown-sid":        wrongStatus,
	"EIO-4/open-packet":        {mw: openPackets(func(o map[string]any) { delete(o, "maxPayload") })},
	"EIO-4/defaults-announced": {mw: openPackets(func(o map[string]any) { o["pingInterval"] = 12345 })},
	"EIO-5/websocket":          noPing,
	"EIO-5/polling":            noPing,
	"EIO-5/pong-keeps":         noPing,
	// Any message counts as a pong: a pong rides along with every message.
	"EIO-5/other-packets": {mw: postPackets(func(pkts []string) []string {
		if slices.ContainsFunc(pkts, func(p string) bool { return strings.HasPrefix(p, "4") }) {
			pkts = append(pkts, "3")
		}
		return pkts
	})},
	"EIO-6/first-ping-timing":  noPing,
	"EIO-6/client-ping":        {mw: dropPackets(func(p string) bool { return p == "2" })},
	"EIO-6/pong-timer-polling": {faults: refserver.Faults{Engine: engine.Faults{LazyPongTimer: true}}},
	"EIO-7/message":            {mw: getBodies(bytes.ToUpper)},
	"EIO-7/types":              {mw: getBodies(func(b []byte) []byte { return append(b, "\x1e7"...) })},
	"EIO-8/get-held":           {faults: refserver.Faults{Engine: engine.Faults{EagerPoll: true}}},
	"EIO-8/batch":              {mw: getBodies(func(b []byte) []byte { return bytes.ReplaceAll(b, []byte{0x1e}, []byte("\n")) })},
	"EIO-8/post-ok": {mw: rewrite(func(r *http.Request, status int, body []byte) (int, []byte) {
		if r.Method == http.MethodPost && status == http.StatusOK {
			return http.StatusNoContent, nil
		}
		return status, body
	})},
	"EIO-8/concurrent-get":   wrongStatus,
	"EIO-8/post-close":       {mw: dropPackets(func(p string) bool { return p == "1" })},
	"EIO-8/unparsable":       ignoreUnparsable,
	"EIO-8/after-upgrade":    wrongStatus,
	"EIO-9/probe":            refuseUpgrade,
	"EIO-9/pending-get-noop": {mw: getBodies(func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("6"), []byte("1")) })},
	"EIO-9/upgrades-listed": {transports: []string{"polling"},
		mw: openPackets(func(o map[string]any) { o["upgrades"] = []string{"websocket"} })},
	"EIO-10/ws-exact":               payloadOffByOne,
	"EIO-10/ws-over":                noPayloadLimit,
	"EIO-10/polling-exact":          payloadOffByOne,
	"EIO-10/polling-over":           noPayloadLimit,
	"EIO-11/ws-binary":              binaryAsText,
	"EIO-11/polling-base64":         binaryAsText,
	"EIO-12/foreign-origin":         {cors: []string{"https://webui.example"}, mw: statusAs(http.StatusBadRequest, http.StatusForbidden)},
	"EIO-12/no-origin":              {mw: requireOrigin},
	"EIO-13/no-upgrade-headers":     upgradeStatus,
	"EIO-13/missing-key":            upgradeStatus,
	"EIO-13/sid-no-upgrade-headers": upgradeStatus,
	"EIO-14/websocket-only":         {transports: []string{"websocket"}, mw: wrongStatus.mw},
	"EIO-14/polling-only":           {transports: []string{"polling"}, mw: wrongStatus.mw},
	"EIO-14/both":                   refuseUpgrade,
	"EIO-15/second-websocket":       {faults: refserver.Faults{Engine: engine.Faults{AllowSecondWebsocket: true}}},
	"EIO-15/bad-type":               ignoreUnparsable,
	// The race cases, each against the fault that puts its race back.
	"EIO-5/race-get-at-timeout":      {faults: refserver.Faults{Engine: engine.Faults{RacyPingTimeout: true}}},
	"EIO-8/race-post-close-with-get": {faults: refserver.Faults{Engine: engine.Faults{RacyPostClose: true}}},
	"EIO-9/race-get-after-upgrade":   {faults: refserver.Faults{Engine: engine.Faults{RacyUpgrade: true}}},
	"EIO-9/race-burst":               {faults: refserver.Faults{Engine: engine.Faults{RacyUpgrade: true}}},
}

// wsAnyTransport treats every websocket handshake as transport=websocket.
var wsAnyTransport = onRequest(func(_ http.ResponseWriter, r *http.Request) bool {
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		setQuery(r, "transport", "websocket")
	}
	return false
})

// goneSIDError answers HTTP 500 where the server refuses a sid with 400 or
// hands a polling GET the close packet, as python-engineio's unhandled
// KeyError does for a session that is over.
var goneSIDError = misbehaving{mw: rewrite(func(r *http.Request, status int, body []byte) (int, []byte) {
	closing := isPollingGet(r) && status == http.StatusOK && slices.Contains(strings.Split(string(body), "\x1e"), "1")
	if isSid(r) && (status == http.StatusBadRequest || closing) {
		return http.StatusInternalServerError, []byte("500 Internal Server Error")
	}
	return status, body
})}

// acceptAnyVersion treats every handshake as EIO=4.
var acceptAnyVersion = onRequest(func(_ http.ResponseWriter, r *http.Request) bool {
	if !isSid(r) && r.URL.Query().Get("EIO") != "4" {
		setQuery(r, "EIO", "4")
	}
	return false
})

// requireOrigin refuses handshakes without Origin at the Socket.IO path.
var requireOrigin = onRequest(func(w http.ResponseWriter, r *http.Request) bool {
	if under(r, "/ws/socket.io") && r.Header.Get("Origin") == "" {
		http.Error(w, "Origin required", http.StatusBadRequest)
		return true
	}
	return false
})

// TestEveryCaseHasAFailingServer: no case goes without a demonstration.
func TestEveryCaseHasAFailingServer(t *testing.T) {
	t.Parallel()
	var ids []string
	for _, c := range engineio.Cases() {
		ids = append(ids, c.ID)
		assert.Contains(t, failing, c.ID, "case %s has no misbehaving server that makes it fail", c.ID)
	}
	for id := range failing {
		assert.Contains(t, ids, id, "failing names %s, which is no case", id)
	}
}

// TestEveryCaseFails runs each case against its misbehaving server: it must
// fail, saying what it expected and what it got; a case stricter than
// upstream (Upstream set) ends warn on the part beyond upstream, which its
// misbehaving server breaks.
func TestEveryCaseFails(t *testing.T) {
	t.Parallel()
	want := map[string]string{}
	for _, c := range engineio.Cases() {
		want[c.ID] = reports.StatusFail
		if c.Upstream != "" {
			want[c.ID] = reports.StatusWarn
		}
	}
	ids := make([]string, 0, len(failing))
	for id := range failing {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			base := failing[id].start(t)
			rec := runCases(t, target(t, base, sioPath), "^"+regexp.QuoteMeta(id)+"$")
			require.Len(t, rec.Cases, 1)
			c := rec.Cases[0]
			if assert.Equal(t, want[id], c.Status, describeCase(c)) {
				assert.NotEmpty(t, c.Expected, id)
				assert.NotEmpty(t, c.Actual, id)
				assert.NotContains(t, c.Actual, "panicked", describeCase(c))
			}
			t.Logf("%s\n  expected: %s\n  actual:   %s", id, c.Expected, c.Actual)
		})
	}
}

// TestServerErrorIsNoClosure: a 5xx on a session that is over is no
// closure (EIO-3). python-engineio answers 500 there; these cases passed it
// when any non-200 counted as closed.
func TestServerErrorIsNoClosure(t *testing.T) {
	t.Parallel()
	var upgraded sync.Map
	secondWS500 := misbehaving{mw: onRequest(func(w http.ResponseWriter, r *http.Request) bool {
		if sid := r.URL.Query().Get("sid"); sid != "" && r.URL.Query().Get("transport") == "websocket" {
			if _, again := upgraded.LoadOrStore(sid, true); again {
				http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
				return true
			}
		}
		return false
	})}
	for id, m := range map[string]misbehaving{
		"EIO-5/polling":            goneSIDError,
		"EIO-6/pong-timer-polling": goneSIDError,
		"EIO-15/second-websocket":  secondWS500,
	} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			rec := runCases(t, target(t, m.start(t), sioPath), "^"+regexp.QuoteMeta(id)+"$")
			require.Len(t, rec.Cases, 1)
			c := rec.Cases[0]
			assert.Equal(t, reports.StatusFail, c.Status, describeCase(c))
			assert.Contains(t, c.Actual, "got HTTP 500, want 400", describeCase(c))
		})
	}
}
