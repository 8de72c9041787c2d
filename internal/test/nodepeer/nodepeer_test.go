package nodepeer

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Dir finds testdata/node from any package directory of the module.
func TestDir(t *testing.T) {
	dir, err := Dir()
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, "echo-server.js"))
	assert.NoError(t, err, "echo-server.js in %s", dir)
}

// A shared peer starts once, answers an Engine.IO handshake (the echo
// server's ECHO-1 endpoint), and stops.
func TestSharedPeerServes(t *testing.T) {
	s := Shared{Script: "echo-server.js"}
	url := s.URL(t)
	assert.Equal(t, url, s.URL(t), "started once")
	resp, err := http.Get(url + "/engine.io/?EIO=4&transport=polling")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, strings.HasPrefix(string(body), `0{"sid":`), "OPEN packet, got %q", body)
	s.Stop()
	_, err = http.Get(url + "/engine.io/?EIO=4&transport=polling")
	assert.Error(t, err, "the peer is gone after Stop")
}

// A script that does not exist is an error, not a hang.
func TestStartBadScript(t *testing.T) {
	_, err := Start("no-such-script.js")
	assert.Error(t, err)
}
