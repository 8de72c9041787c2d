package limits_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/conformance/limits"
)

// nodeVerdicts is what Node socket.io 4.8.4 (Node 20, testdata/node/
// echo-server.js with its defaults) does per case, as NODE.md records it.
var nodeVerdicts = map[string]string{
	"LIM-1/count/websocket":                "pass",
	"LIM-1/count/polling":                  "pass",
	"LIM-1/size/websocket":                 "fail",
	"LIM-1/size/polling":                   "fail",
	"LIM-1/count-before-connect/websocket": "pass",
	"LIM-1/count-before-connect/polling":   "pass",
	"LIM-1/size-before-connect/websocket":  "fail",
	"LIM-1/size-before-connect/polling":    "fail",
	"LIM-2/out-of-range/websocket":         "pass",
	"LIM-2/out-of-range/polling":           "pass",
	"LIM-2/negative/websocket":             "pass",
	"LIM-2/negative/polling":               "pass",
	"LIM-2/non-integer/websocket":          "fail",
	"LIM-2/non-integer/polling":            "fail",
	"LIM-2/string/websocket":               "pass",
	"LIM-2/string/polling":                 "pass",
	"LIM-3/websocket-1007":                 "pass",
	"LIM-3/polling-400":                    "fail",
	"LIM-3/no-relay/websocket":             "pass",
	"LIM-3/no-relay/polling":               "pass",
	"LIM-4/never-connect/websocket":        "pass",
	"LIM-4/never-connect/polling":          "pass",
	"LIM-5/header-stalled":                 "skip",
	"LIM-5/header-trickle":                 "skip",
	"LIM-5/idle-keepalive":                 "pass",
	"LIM-5/header-too-large":               "pass",
	"LIM-6/slow-consumer":                  "fail",
	"LIM-6/polling-post":                   "fail",
	"LIM-7/descriptors":                    "skip",
	"LIM-8/canary":                         "pass",
}

// TestNode runs the layer against the Node echo server and asserts the
// verdicts NODE.md records: a change in Node or in a case shows here.
//
// It runs before the parallel tests start, alone, against the echo server
// with pings of 1 s and 2 s (TestMain).
func TestNode(t *testing.T) {
	u, err := url.Parse(node.URL(t))
	require.NoError(t, err)
	target := check.Target{URL: u, Path: "/socket.io/", EchoNamespace: "/custom", EnginePath: "/engine.io/", Profile: "documented"}
	// LIM-8 runs on its own, so that its canaries face its attackers, not
	// also LIM-6's floods.
	rec := runLimits(t, target, "^LIM-[1-7]/")
	rec.Cases = append(rec.Cases, runLimits(t, target, "^LIM-8/").Cases...)
	require.Len(t, rec.Cases, len(limits.Cases()))
	for _, c := range rec.Cases {
		t.Logf("%-34s %s %s %s", c.ID, c.Status, c.Reason, c.Actual)
		assert.Contains(t, strings.Split(nodeVerdicts[c.ID], "|"), c.Status, describe(c))
	}
}
