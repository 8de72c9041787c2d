package refserver

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every bad value is refused by New with an error wrapping ErrConfig.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // in the message
	}{
		{"unknown transport", Config{Transports: []string{"tcp"}}, `unknown transport "tcp"`},
		{"one bad transport of two", Config{Transports: []string{"websocket", "flashsocket"}}, `unknown transport "flashsocket"`},
		{"empty transport", Config{Transports: []string{""}}, `unknown transport ""`},
		{"transport case", Config{Transports: []string{"WebSocket"}}, `unknown transport "WebSocket"`},
		{"relative path", Config{Path: "ws/socket.io"}, `must start with /`},
		{"root path", Config{Path: "/"}, `is reserved`},
		{"raw echo path", Config{Path: "/engine.io"}, `is reserved`},
		{"raw echo path with slash", Config{Path: "/engine.io/"}, `is reserved`},
		{"bad path in lab", Config{Lab: true, Path: "socket.io"}, `must start with /`},
		{"negative ping interval", Config{PingInterval: -time.Second}, "must be positive"},
		{"negative ping timeout", Config{PingTimeout: -time.Millisecond}, "must be positive"},
		{"negative max payload", Config{MaxPayload: -1}, "must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, err := New(tc.cfg)
			require.Error(t, err)
			assert.Nil(t, srv)
			assert.ErrorIs(t, err, ErrConfig)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// The defaults of the open-webui-shaped server and of --lab (PROTOCOL.md
// EIO-1, EIO-4, EIO-14 and section 10); explicit values win in lab mode.
func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		want Config
	}{
		{"normal", Config{}, Config{
			Path: "/ws/socket.io", Transports: []string{"websocket"},
			PingInterval: 25 * time.Second, PingTimeout: 20 * time.Second, MaxPayload: 1000000,
		}},
		{"lab", Config{Lab: true}, Config{
			Path: "/socket.io", Transports: []string{"polling", "websocket"},
			PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond, MaxPayload: 1000000, Lab: true,
		}},
		{"lab with overrides", Config{
			Lab: true, Path: "/rt/", Transports: []string{"websocket"},
			PingInterval: 2 * time.Second, MaxPayload: 512, CORSOrigins: []string{"https://a.example"},
		}, Config{
			Path: "/rt", Transports: []string{"websocket"},
			PingInterval: 2 * time.Second, PingTimeout: 200 * time.Millisecond, MaxPayload: 512,
			CORSOrigins: []string{"https://a.example"}, Lab: true,
		}},
		{"trailing slash trimmed", Config{Path: "/io/", Transports: []string{"polling"}}, Config{
			Path: "/io", Transports: []string{"polling"},
			PingInterval: 25 * time.Second, PingTimeout: 20 * time.Second, MaxPayload: 1000000,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, err := New(tc.cfg)
			require.NoError(t, err)
			t.Cleanup(func() { srv.Shutdown(context.Background()) }) // stops the app layer
			got := srv.Config()
			assert.NotNil(t, got.Logger)
			assert.Equal(t, tc.want.Path, got.Path)
			assert.Equal(t, tc.want.Transports, got.Transports)
			assert.Equal(t, tc.want.PingInterval, got.PingInterval)
			assert.Equal(t, tc.want.PingTimeout, got.PingTimeout)
			assert.Equal(t, tc.want.MaxPayload, got.MaxPayload)
			assert.Equal(t, tc.want.CORSOrigins, got.CORSOrigins)
			assert.Equal(t, tc.want.Lab, got.Lab)

			// The Engine.IO servers get the same values (OPEN packet, EIO-4).
			for _, e := range []struct {
				name string
				cfg  func() (time.Duration, time.Duration, int, []string)
			}{
				{"app", func() (time.Duration, time.Duration, int, []string) {
					c := srv.app.Config()
					return c.PingInterval, c.PingTimeout, c.MaxPayload, c.Transports
				}},
				{"raw", func() (time.Duration, time.Duration, int, []string) {
					c := srv.raw.Config()
					return c.PingInterval, c.PingTimeout, c.MaxPayload, c.Transports
				}},
			} {
				pi, pt, mp, tr := e.cfg()
				assert.Equal(t, tc.want.PingInterval, pi, e.name)
				assert.Equal(t, tc.want.PingTimeout, pt, e.name)
				assert.Equal(t, tc.want.MaxPayload, mp, e.name)
				assert.Equal(t, tc.want.Transports, tr, e.name)
			}
		})
	}
}

// --transports takes websocket, polling or both.
func TestParseTransports(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"websocket", []string{"websocket"}},
		{"polling", []string{"polling"}},
		{"polling,websocket", []string{"polling", "websocket"}},
		{" polling , websocket ", []string{"polling", "websocket"}},
		{"", nil},
		{"tcp", nil},
		{"polling,", nil},
		{"polling;websocket", nil},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTransports(tc.in)
			if tc.want == nil {
				assert.True(t, errors.Is(err, ErrConfig), "error %v, want ErrConfig", err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
