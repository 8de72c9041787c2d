package serverurl

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Targets as socket.io-client users write them (io(url, {path})).
func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, base, nsp, err string
	}{
		{in: "http://127.0.0.1:3000", base: "http://127.0.0.1:3000"},
		{in: "http://127.0.0.1:3000/", base: "http://127.0.0.1:3000"},
		{in: "http://127.0.0.1:3000/echo", base: "http://127.0.0.1:3000", nsp: "/echo"},
		{in: "http://127.0.0.1:3000/echo/", base: "http://127.0.0.1:3000", nsp: "/echo"},
		{in: "https://example.com/admin/chat", base: "https://example.com", nsp: "/admin/chat"},
		{in: "ws://127.0.0.1:3000", base: "http://127.0.0.1:3000"},
		{in: "wss://example.com:8443/custom", base: "https://example.com:8443", nsp: "/custom"},
		{in: " http://[::1]:3000?x=1#f ", base: "http://[::1]:3000"},
		{in: "127.0.0.1:3000", err: "want an http://, https://, ws:// or wss:// URL"},
		{in: "ftp://host", err: "want an http://, https://, ws:// or wss:// URL"},
		{in: "http://", err: "no host"},
		{in: "http://:80", err: "no host"},
		{in: "http://u:p@host", err: "user information"},
		{in: "http://host:port", err: "invalid port"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.base, got.Base.String(), "base of %q", tt.in)
			assert.Equal(t, tt.nsp, got.Namespace, "namespace of %q", tt.in)
		})
	}
}

// engine.io-client adds the trailing slash (addTrailingSlash); so do we.
func TestEnginePath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                "",
		"/":               "/",
		"/socket.io":      "/socket.io/",
		"/socket.io/":     "/socket.io/",
		"socket.io":       "/socket.io/",
		"//socket.io//":   "/socket.io/",
		"/ws/socket.io":   "/ws/socket.io/",
		" /ws/socket.io ": "/ws/socket.io/",
	} {
		assert.Equal(t, want, EnginePath(in), "EnginePath(%q)", in)
	}
}
