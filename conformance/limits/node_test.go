package limits_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/conformance/limits"
)

// nodeVerdicts is what Node socket.io 4.8.4 (Node 20, testdata/node/
// echo-server.js with its defaults) does per case, as NODE.md records it.
var nodeVerdicts = map[string]string{}

// TestNode runs the layer against the Node echo server and asserts the
// verdicts NODE.md records: a change in Node or in a case shows here.
func TestNode(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(node.URL(t))
	require.NoError(t, err)
	rec := runLimits(t, check.Target{URL: u, Path: "/socket.io/", EchoNamespace: "/custom", EnginePath: "/engine.io/", Profile: "documented"}, "")
	require.Len(t, rec.Cases, len(limits.Cases()))
	for _, c := range rec.Cases {
		t.Logf("%-34s %s %s %s", c.ID, c.Status, c.Reason, c.Actual)
		assert.Equal(t, nodeVerdicts[c.ID], c.Status, describe(c))
	}
}
