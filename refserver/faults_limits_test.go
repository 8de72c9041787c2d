package refserver

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/engine"
	"github.com/stampede-sio/stampede/refserver/limit"
)

// Section 12 end to end on the echo contract: each limit holds by default,
// and the fault that names it removes it.

func labWith(f LimitFaults) Config { return Config{Lab: true, Faults: Faults{Limits: f}} }

// pollSession opens a polling session at /socket.io/ and returns its URL.
func pollSession(t *testing.T, hs *httptest.Server) string {
	t.Helper()
	code, body := httpDo(t, hs, "GET", hs.URL+"/socket.io/?EIO=4&transport=polling", "")
	require.Equal(t, http.StatusOK, code, body)
	return hs.URL + "/socket.io/?EIO=4&transport=polling&sid=" + parseOpenPacket(t, body).SID
}

// LIM-1: 17 attachments (default --max-attachments 16) is a protocol
// error, before any CONNECT too; no-attachment-limit lets them through.
func TestLimitAttachmentCount(t *testing.T) {
	t.Parallel()
	srv, hs := echoServer(t, labWith(LimitFaults{}))
	c := dialEcho(t, hs.URL, "/socket.io/", true)
	c.send(t, `4517-/echo,["message",`+ph0+`]`)
	c.ended(t)
	assert.Equal(t, uint64(1), srv.Limits().Count(limit.Attachments))

	_, hs = echoServer(t, labWith(LimitFaults{NoAttachmentLimit: true}))
	c = dialEcho(t, hs.URL, "/socket.io/", true)
	c.connect(t, "/echo", "")
	c.text(t) // the auth event (ECHO-2)
	c.send(t, `4517-/echo,["message",`+ph0+`]`)
	for range 17 {
		c.sendBinary(t, "x")
	}
	assert.Equal(t, `4517-/echo,["message-back",`+ph0+`]`, c.text(t), "the fault: 17 attachments accepted")
}

// LIM-1 on polling: attachments that together pass maxPayload, each POST
// under it, close the session.
func TestLimitAttachmentBytesPolling(t *testing.T) {
	t.Parallel()
	srv, hs := echoServer(t, Config{Lab: true, MaxPayload: 200})
	url := pollSession(t, hs)
	code, _ := httpDo(t, hs, "POST", url, `453-/echo,["message",`+ph0+`]`)
	require.Equal(t, http.StatusOK, code)
	att := "b" + base64.StdEncoding.EncodeToString(make([]byte, 90)) // 90 bytes, a 121-byte body
	for range 3 {
		code, body := httpDo(t, hs, "POST", url, att)
		require.Equal(t, http.StatusOK, code, body)
	}
	assert.Equal(t, uint64(1), srv.Limits().Count(limit.Attachments), "270 bytes of attachments, at most 200")
	_, body := httpDo(t, hs, "GET", url, "")
	assert.Equal(t, "1", body, "the session closes")
}

// LIM-2: a placeholder num out of range is a protocol error, counted in
// /metrics; no-placeholder-check echoes the packet back as it came.
func TestLimitPlaceholder(t *testing.T) {
	t.Parallel()
	const bad = `{"_placeholder":true,"num":99999999}`
	srv, hs := echoServer(t, labWith(LimitFaults{}))
	c := dialEcho(t, hs.URL, "/socket.io/", true)
	c.connect(t, "/echo", "")
	c.text(t)
	c.send(t, `451-/echo,["message",`+bad+`]`)
	c.ended(t)
	assert.Equal(t, uint64(1), srv.Limits().Count(limit.Placeholder))
	_, metrics := httpDo(t, hs, "GET", hs.URL+"/metrics", "")
	assert.Contains(t, metrics, `stampede_limit_closes_total{limit="LIM-2"} 1`)

	_, hs = echoServer(t, labWith(LimitFaults{NoPlaceholderCheck: true}))
	c = dialEcho(t, hs.URL, "/socket.io/", true)
	c.connect(t, "/echo", "")
	c.text(t)
	c.send(t, `451-/echo,["message",`+bad+`]`)
	c.sendBinary(t, "x")
	assert.Equal(t, `451-/echo,["message-back",`+bad+`]`, c.text(t), "the fault: relayed as it came")
}

// LIM-3: a client cannot make the server send invalid UTF-8 to others:
// its frame closes it with 1007 and the room hears nothing; with
// accept-invalid-utf8 the room gets the raw bytes.
func TestLimitInvalidUTF8NotRelayed(t *testing.T) {
	t.Parallel()
	for _, fault := range []bool{false, true} {
		_, hs := echoServer(t, Config{Lab: true, Faults: Faults{Engine: engine.Faults{AcceptInvalidUTF8: fault}}})
		var cs [2]*echoWS
		for i := range cs {
			cs[i] = dialEcho(t, hs.URL, "/socket.io/", true)
			cs[i].connect(t, "/echo", "")
			cs[i].text(t)
			cs[i].send(t, `42/echo,1["join","r"]`)
			require.Equal(t, `43/echo,1["joined"]`, cs[i].text(t))
		}
		cs[0].send(t, "42/echo,[\"shout\",\"r\",\"\xff\"]")
		if !fault {
			assert.Equal(t, websocket.CloseInvalidFramePayloadData, closeCode(cs[0].ended(t)))
			assert.Empty(t, cs[1].barrier(t, "/echo"), "nothing relayed")
			continue
		}
		assert.Equal(t, "42/echo,[\"shouted\",\"\xff\"]", cs[1].text(t), "the fault: relayed raw")
	}
}

// LIM-4: a session with no CONNECT is closed after --connect-timeout;
// with no-connect-timeout it stays and may still connect.
func TestLimitConnectTimeout(t *testing.T) {
	t.Parallel()
	cfg := Config{Lab: true, ConnectTimeout: 100 * time.Millisecond}
	srv, hs := echoServer(t, cfg)
	c := dialEcho(t, hs.URL, "/socket.io/", true)
	c.ended(t)
	assert.Equal(t, uint64(1), srv.Limits().Count(limit.ConnectTimeout))

	cfg.Faults.Limits.NoConnectTimeout = true
	srv, hs = echoServer(t, cfg)
	c = dialEcho(t, hs.URL, "/socket.io/", true)
	time.Sleep(500 * time.Millisecond) // five timeouts
	c.connect(t, "/echo", "")
	assert.Zero(t, srv.Limits().Count(limit.ConnectTimeout))
}

// LIM-6 on polling: a POST whose answers would overflow --max-queue is
// answered 400 and the session closes; no-queue-limit answers ok and keeps
// every answer.
func TestLimitQueuePolling(t *testing.T) {
	t.Parallel()
	var events []string
	for i := range 5 {
		events = append(events, fmt.Sprintf(`42/echo,["message",%d]`, i))
	}
	post := strings.Join(events, "\x1e")
	for _, fault := range []bool{false, true} {
		srv, hs := echoServer(t, Config{Lab: true, MaxQueue: 4, Faults: Faults{Engine: engine.Faults{NoQueueLimit: fault}}})
		url := pollSession(t, hs)
		httpDo(t, hs, "POST", url, "40/echo,")
		_, body := httpDo(t, hs, "GET", url, "") // the CONNECT reply and the auth event
		require.Contains(t, body, "40/echo,")
		code, _ := httpDo(t, hs, "POST", url, post)
		if !fault {
			assert.Equal(t, http.StatusBadRequest, code, "five answers, room for four")
			assert.Equal(t, uint64(1), srv.Limits().Count(limit.Queue))
			continue
		}
		assert.Equal(t, http.StatusOK, code)
		_, body = httpDo(t, hs, "GET", url, "")
		assert.Equal(t, 5, strings.Count(body, "message-back"), "the fault: every answer kept: %s", body)
	}
}
