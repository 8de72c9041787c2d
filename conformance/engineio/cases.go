package engineio

import (
	"net/http"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// Cases returns the Engine.IO cases, in PROTOCOL.md's order: every
// condition of EIO-1 … EIO-15, each with the sentence it checks.
func Cases() []check.Case {
	const (
		polling   = engineio.TransportPolling
		websocket = engineio.TransportWebsocket
	)
	cases := []check.Case{
		// EIO-1: the endpoint.
		{ID: "EIO-1/path", Run: pathServed,
			Requirement: "The Engine.IO endpoint is served at the configured path (default /ws/socket.io/): a handshake there with EIO=4 and transport=websocket or transport=polling opens a session."},
		{ID: "EIO-1/polling", Run: servedOver(polling),
			Requirement: "Query EIO=4&transport=polling at the path opens a session, and the next GET carrying its sid is served there."},
		{ID: "EIO-1/websocket", Run: servedOver(websocket),
			Requirement: "Query EIO=4&transport=websocket at the path opens a session on that websocket."},

		// EIO-2: the protocol version.
		{ID: "EIO-2/eio3", Run: badVersion("EIO=3&"),
			Requirement: "A first request with EIO=3 is answered HTTP 400 (any body), on every transport."},
		{ID: "EIO-2/missing", Run: badVersion(""),
			Requirement: "A first request without EIO is answered HTTP 400 (any body), on every transport."},
		{ID: "EIO-2/eio-abc", Run: badVersion("EIO=abc&"),
			Requirement: "A first request with EIO=abc (socket.io's official test input) is answered HTTP 400 (any body), on every transport."},

		// EIO-3: refused requests.
		{ID: "EIO-3/unknown-transport", Run: unknownTransport,
			Requirement: "An unknown transport gets HTTP 400 (code 0)."},
		{ID: "EIO-3/missing-transport", Run: missingTransport,
			Requirement: "A missing transport gets HTTP 400 (code 0)."},
		{ID: "EIO-3/ws-unknown-transport", Run: wsBadTransport("carrier-pigeon"),
			Requirement: "An unknown transport gets HTTP 400 (code 0), on a websocket handshake too."},
		{ID: "EIO-3/ws-missing-transport", Run: wsBadTransport(""),
			Requirement: "A missing transport gets HTTP 400 (code 0), on a websocket handshake too."},
		{ID: "EIO-3/transport-off", Run: transportOff,
			Requirement: "A transport the server has switched off gets HTTP 400 (code 0)."},
		{ID: "EIO-3/post-handshake", Run: badMethod(http.MethodPost),
			Requirement: "A handshake that is not GET (POST) gets HTTP 400 (code 2)."},
		{ID: "EIO-3/put", Run: badMethod(http.MethodPut),
			Requirement: "A handshake that is not GET (PUT) gets HTTP 400 (code 2)."},
		{ID: "EIO-3/unknown-sid", Run: unknownSID,
			Requirement: "An unknown sid gets HTTP 400 (code 1): GET, POST and websocket."},
		{ID: "EIO-3/closed-sid", Run: closedSID,
			Requirement: "The sid of a session that has closed gets HTTP 400 (code 1), never a 5xx: GET, POST and websocket."},
		{ID: "EIO-3/timed-out-sid", Run: timedOutSID,
			Requirement: "The sid of a session that has timed out gets HTTP 400 (code 1), never a 5xx: GET, POST and websocket."},

		// EIO-4: the OPEN packet.
		{ID: "EIO-4/open-packet", Run: openPacket,
			Requirement: `The first packet of a session is OPEN 0{"sid":…,"upgrades":[…],"pingInterval":ms,"pingTimeout":ms,"maxPayload":bytes}, with a new sid each time.`},
		{ID: "EIO-4/defaults-announced", Run: settingsAnnounced,
			Requirement: "The OPEN packet announces the server's pingInterval, pingTimeout and maxPayload (defaults 25000, 20000, 1000000, or as configured): the same on every transport and every session."},

		// EIO-5: heartbeat.
		{ID: "EIO-5/websocket", Run: silentClosed(websocket),
			Requirement: "The server pings (2); a websocket client that does not answer a ping within pingTimeout is closed."},
		{ID: "EIO-5/polling", Run: silentClosed(polling),
			Requirement: "The server pings (2); a polling client that does not answer a ping within pingTimeout is closed."},
		{ID: "EIO-5/pong-keeps", Run: pongKeeps,
			Requirement: "The server sends a ping 2 every pingInterval and a client answering 3 stays connected."},
		{ID: "EIO-5/other-packets", Run: otherPackets,
			Requirement: "A client that does not answer a ping within pingTimeout is closed, even if it keeps sending other packets.",
			Upstream: "SHOULD: the Engine.IO v4 spec says a server that gets no pong within pingTimeout SHOULD consider the connection closed, " +
				"and does not say that other packets do not count (Node's engine.io restarts the timer once on them: NODE.md, Engine.IO item 3)"},
		{ID: "EIO-5/race-get-at-timeout", Run: raceGetAtTimeout,
			Requirement: "A polling GET sent exactly pingInterval + pingTimeout after the open, the ping unanswered, gets 400, every time (the official suites' ping-timeout test; repeated --repeat times)."},

		// EIO-6: heartbeat direction and timing.
		{ID: "EIO-6/first-ping-timing", Run: firstPingTiming,
			Requirement: "The first ping goes out pingInterval after the open."},
		{ID: "EIO-6/client-ping", Run: clientPing,
			Requirement: "A ping from the client is the wrong direction in v4: the server closes the session (Node) or answers it (python); nothing may hang."},
		{ID: "EIO-6/pong-timer-polling", Run: pongTimerPolling,
			Requirement: "The pong timer starts when a ping is queued, even on polling with no GET waiting."},

		// EIO-7: packet types.
		{ID: "EIO-7/message", Run: messageRoundTrip,
			Requirement: "Message packets 4… carry their text unchanged (UTF-8 included) through the echo."},
		{ID: "EIO-7/types", Run: packetTypes,
			Requirement: "Every packet the server sends is one of open 0, close 1, ping 2, pong 3, message 4, upgrade 5, noop 6; OPEN only first."},

		// EIO-8: long-polling.
		{ID: "EIO-8/get-held", Run: getHeld,
			Requirement: "A polling GET is held until there is something to send."},
		{ID: "EIO-8/batch", Run: batch,
			Requirement: "A GET returns the queued packets joined by the record separator \\x1e (text/plain; charset=UTF-8)."},
		{ID: "EIO-8/post-ok", Run: postOK,
			Requirement: "A POST carries packets and is answered 200 with body exactly ok."},
		{ID: "EIO-8/concurrent-get", Run: concurrentGet,
			Requirement: "A second concurrent GET on a sid gets 400, the session closes and the pending GET gets 1."},
		{ID: "EIO-8/post-close", Run: postClose,
			Requirement: "A POST 1 closes the session and the pending GET gets 6."},
		{ID: "EIO-8/race-post-close-with-get", Run: racePostCloseWithGet,
			Requirement: "A GET and a POST 1 sent in the same tick: the GET gets 6 whichever the server reaches first, and the next GET gets 400, every time (repeated --repeat times)."},
		{ID: "EIO-8/unparsable", Run: unparsable,
			Requirement: "An unparsable packet closes the session."},
		{ID: "EIO-8/after-upgrade", Run: afterUpgrade,
			Requirement: "Polling requests on a session that has upgraded get 400."},

		// EIO-9: the upgrade.
		{ID: "EIO-9/probe", Run: probeCase,
			Requirement: "Upgrade polling → websocket: probe 2probe → 3probe, the client sends 5, the server switches to the websocket."},
		{ID: "EIO-9/pending-get-noop", Run: pendingGetNoop,
			Requirement: "During the upgrade a pending GET is answered with 6 (noop)."},
		{ID: "EIO-9/race-get-after-upgrade", Run: raceGetAfterUpgrade,
			Requirement: "A polling GET sent right after 2probe and 5, sent back to back, gets 400 even when it reaches the server before the server has read 5; the session goes on over the websocket, every time (repeated --repeat times)."},
		{ID: "EIO-9/race-burst", Run: raceBurst,
			Requirement: "The upgrade in one burst (2probe, 5, a message) then a POST and a GET at once: both polling requests get 400, the websocket answers 3probe and echoes the message, every time (repeated --repeat times)."},
		{ID: "EIO-9/upgrades-listed", Run: upgradesListed,
			Requirement: "upgrades lists websocket only when polling is the current transport and upgrades are allowed."},

		// EIO-10: maxPayload.
		{ID: "EIO-10/ws-exact", Run: exactPayload(websocket),
			Requirement: "maxPayload counts a whole Engine.IO packet on websocket: a message of exactly maxPayload is accepted."},
		{ID: "EIO-10/ws-over", Run: wsOver,
			Requirement: "A websocket message larger than maxPayload is closed with code 1009."},
		{ID: "EIO-10/polling-exact", Run: exactPayload(polling),
			Requirement: "maxPayload counts a whole POST body on polling: a body of exactly maxPayload is accepted."},
		{ID: "EIO-10/polling-over", Run: pollingOver,
			Requirement: "A polling POST over maxPayload gets 413 (Node keeps the session; python answers 400 and closes)."},

		// EIO-11: binary.
		{ID: "EIO-11/ws-binary", Run: binaryEcho(websocket),
			Requirement: "Websocket binary frames carry binary messages: one comes back as a binary frame, bytes unchanged."},
		{ID: "EIO-11/polling-base64", Run: binaryEcho(polling),
			Requirement: "Polling carries binary messages base64 with prefix b: one comes back as b<base64> of the same bytes."},

		// EIO-12: CORS (SHOULD).
		{ID: "EIO-12/foreign-origin", Run: foreignOriginRefused, Level: check.Should,
			Requirement: "When an allow-list is configured, a request whose Origin is not in it gets HTTP 400 and no session (skipped when the target accepts the foreign Origin: the check cannot see the allow-list)."},
		{ID: "EIO-12/no-origin", Run: noOriginAccepted, Level: check.Should,
			Requirement: "A request without Origin is not refused for it."},

		// EIO-13: upgrade headers.
		{ID: "EIO-13/no-upgrade-headers", Run: noUpgradeHeaders,
			Requirement: "A websocket request without proper upgrade headers gets HTTP 400: a plain GET handshake."},
		{ID: "EIO-13/missing-key", Run: missingKey,
			Requirement: "A websocket request without proper upgrade headers gets HTTP 400: Upgrade without Sec-WebSocket-Key."},
		{ID: "EIO-13/sid-no-upgrade-headers", Run: sidNoUpgradeHeaders,
			Requirement: "A websocket request without proper upgrade headers gets HTTP 400: a plain GET moving a polling session to websocket."},

		// EIO-14: transport modes.
		{ID: "EIO-14/websocket-only", Run: websocketOnly,
			Requirement: "Websocket only (open-webui's default): upgrades: [] and polling refused."},
		{ID: "EIO-14/polling-only", Run: pollingOnly,
			Requirement: "Polling only: upgrades: [] and websocket refused, for handshakes and upgrades."},
		{ID: "EIO-14/both", Run: bothTransports,
			Requirement: "Both transports: polling first, with the websocket upgrade announced and working."},

		// EIO-15: transport errors.
		{ID: "EIO-15/second-websocket", Run: secondWebsocket,
			Requirement: "A second websocket for a sid that has already upgraded is closed."},
		{ID: "EIO-15/bad-type", Run: badType,
			Requirement: "A packet type outside 0–6 is a parse error and closes the session."},
	}
	for i := range cases {
		cases[i].Layer = check.LayerEngineIO
	}
	return cases
}
