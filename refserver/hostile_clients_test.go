package refserver_test

// The rig of the hostile-client suite: a refserver with short limits, the
// canary, and raw attackers on websocket (internal/test/wstest) and polling.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/test/wstest"
	"github.com/stampede-sio/stampede/internal/token"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/refservertest"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// The suite's limits: short, so that every attack ends within seconds.
const (
	hostileTimeout = time.Second // read-header and idle timeouts (LIM-5)
	// hostileConnectTimeout (LIM-4) is longer: the attachment bombs run
	// before any CONNECT, and on a loaded machine one that outlived a 1 s
	// connect timeout was closed for LIM-4 before it reached LIM-1.
	hostileConnectTimeout = 3 * time.Second
	hostileMaxQueue       = 256 // LIM-6
	// hostileWait bounds each wait for the server to act: the timeouts
	// above plus generous slack for a loaded machine.
	hostileWait = hostileConnectTimeout + 3*time.Second
)

// rs separates the packets of a polling payload (EIO-8).
const rs = string(rune(engineio.RecordSeparator))

// hostileRig is one refserver under attack, with its canary.
type hostileRig struct {
	srv    *refserver.Server
	base   string // http://127.0.0.1:port
	path   string // the Engine.IO endpoint, with its trailing slash
	logs   *lockedBuffer
	canary *canary
	token  string // an attacker's token (u000003), whose channels include c0001
}

func newHostileRig(t *testing.T) *hostileRig {
	t.Helper()
	logs := &lockedBuffer{}
	srv, base := refservertest.Start(t, refserver.Config{
		Transports:        []string{"polling", "websocket"},
		Population:        webui.Generate(webui.Sizes{Users: 10, Channels: 2, Notes: 1}),
		ConnectTimeout:    hostileConnectTimeout,
		ReadHeaderTimeout: hostileTimeout,
		IdleTimeout:       hostileTimeout,
		MaxQueue:          hostileMaxQueue,
		Logger:            slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}, refservertest.Drain(time.Second))
	r := &hostileRig{srv: srv, base: base, path: srv.Config().Path + "/", logs: logs}
	mint := func(id string) string {
		tok, err := token.Mint(srv.Secret(), id, time.Hour, time.Now())
		require.NoError(t, err)
		return tok
	}
	r.token = mint(webui.UserID(3))
	r.canary = startCanary(t, srv, base, mint(webui.UserID(2)))
	return r
}

// dial opens a raw websocket and reads the OPEN packet. It answers pings,
// so that only the limit under test can end it.
func (r *hostileRig) dial(t *testing.T) *wstest.Client {
	t.Helper()
	url := "ws" + strings.TrimPrefix(r.base, "http") + r.path + "?EIO=4&transport=websocket"
	c := wstest.Dial(t, url, nil, true, hostileWait)
	m := c.Next(t)
	require.False(t, m.Binary)
	wstest.ParseOpen(t, m.Data)
	return c
}

// connect sends CONNECT to nsp ("/echo", or "/" with auth) and waits for
// the reply.
func connect(t *testing.T, c *wstest.Client, nsp, auth string) {
	t.Helper()
	head := "40"
	if nsp != "/" {
		head += nsp + ","
	}
	require.NoError(t, c.Write(websocket.TextMessage, head+auth))
	for {
		m := c.Next(t)
		if !m.Binary && strings.HasPrefix(m.Data, head+"{") {
			require.Contains(t, m.Data, `"sid"`, "CONNECT to %s refused", nsp)
			return
		}
	}
}

// closedWith asserts that the server ended c, with close code want (-1: any).
func closedWith(t *testing.T, c *wstest.Client, want int) {
	t.Helper()
	err := c.Ended(t)
	if want >= 0 {
		require.Equal(t, want, wstest.CloseCode(err), "close: %v", err)
	}
}

// poller is a raw long-polling session.
type poller struct {
	hc  *http.Client
	url string // with the sid
}

// poll opens a polling session (the handshake GET) on an HTTP client of
// its own, whose idle connections close when the test ends.
func (r *hostileRig) poll(t *testing.T) *poller {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, Timeout: hostileWait}
	url := r.base + r.path + "?EIO=4&transport=polling"
	code, body, err := send(hc, http.MethodGet, url, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "handshake: %s", body)
	info := wstest.ParseOpen(t, strings.SplitN(body, rs, 2)[0])
	return &poller{hc: hc, url: url + "&sid=" + info.SID}
}

// send does one request and returns its status and body.
func send(hc *http.Client, method, url string, body io.Reader) (int, string, error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// post sends one POST of the session and returns its status.
func (p *poller) post(t *testing.T, body string) int {
	t.Helper()
	code, _, err := send(p.hc, http.MethodPost, p.url, strings.NewReader(body))
	require.NoError(t, err)
	return code
}

// connectEcho joins /echo and reads the reply (and the auth event).
func (p *poller) connectEcho(t *testing.T) {
	t.Helper()
	require.Equal(t, http.StatusOK, p.post(t, "40/echo,"))
	code, body, err := send(p.hc, http.MethodGet, p.url, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, `40/echo,{"sid"`)
}

// closed asserts that the server has closed the session: a GET is refused
// or answered with a CLOSE packet, within hostileWait.
func (p *poller) closed(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostileWait)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
		require.NoError(t, err)
		resp, err := p.hc.Do(req)
		require.NoError(t, err, "the session is still open: a GET waited %v", hostileWait)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || hasClose(string(b)) {
			return
		}
	}
}

func hasClose(payload string) bool {
	for _, p := range strings.Split(payload, rs) {
		if p == "1" {
			return true
		}
	}
	return false
}

// limitCount is stampede_limit_closes_total{limit=id} on /metrics (0 when
// the series is absent).
func (r *hostileRig) limitCount(t *testing.T, id string) float64 {
	t.Helper()
	series := fmt.Sprintf(`stampede_limit_closes_total{limit="%s"} `, id)
	for _, line := range strings.Split(scrape(t, r.base), "\n") {
		if v, ok := strings.CutPrefix(line, series); ok {
			var n float64
			_, err := fmt.Sscan(v, &n)
			require.NoError(t, err, "metric line %q", line)
			return n
		}
	}
	return 0
}
