package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/engine"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// usageEntry is the text of one flag in serve's usage: its line and the
// indented lines that continue it.
func usageEntry(usage, flag string) string {
	lines := strings.Split(usage, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "  --"+flag+" ") {
			continue
		}
		entry := l
		for _, next := range lines[i+1:] {
			if !strings.HasPrefix(next, "    ") {
				break
			}
			entry += " " + strings.TrimSpace(next)
		}
		return entry
	}
	return ""
}

func seconds(d time.Duration) string { return fmt.Sprintf("%ds", int(d/time.Second)) }

// The defaults serve --help shows are the ones the engine and the
// refserver apply (issue 15: one owner per default), and the ones serve
// runs with when no flag is given.
func TestServeHelpShowsTheDefaults(t *testing.T) {
	t.Parallel()
	e, _, _ := testEnv(nil)
	cfg, _, err := parseServe(e, nil)
	require.NoError(t, err)
	eff, err := cfg.WithDefaults()
	require.NoError(t, err)
	for _, tt := range []struct {
		flag, want string
		got        any
		def        any
	}{
		{"ping-interval", seconds(engine.DefaultPingInterval), eff.PingInterval, engine.DefaultPingInterval},
		{"ping-timeout", seconds(engine.DefaultPingTimeout), eff.PingTimeout, engine.DefaultPingTimeout},
		{"max-payload", fmt.Sprint(engine.DefaultMaxPayload), eff.MaxPayload, engine.DefaultMaxPayload},
		{"max-queue", fmt.Sprint(engine.DefaultMaxQueue), eff.MaxQueue, engine.DefaultMaxQueue},
		{"max-attachments", fmt.Sprint(refserver.DefaultMaxAttachments), eff.MaxAttachments, refserver.DefaultMaxAttachments},
		{"connect-timeout", seconds(refserver.DefaultConnectTimeout), eff.ConnectTimeout, refserver.DefaultConnectTimeout},
		{"read-header-timeout", seconds(refserver.DefaultReadHeaderTimeout), eff.ReadHeaderTimeout, refserver.DefaultReadHeaderTimeout},
		{"idle-timeout", seconds(refserver.DefaultIdleTimeout), eff.IdleTimeout, refserver.DefaultIdleTimeout},
		{"redis-lock-timeout", seconds(webui.DefaultLockTimeout), eff.RedisLockTimeout, webui.DefaultLockTimeout},
	} {
		entry := usageEntry(serveUsage, tt.flag)
		require.NotEmpty(t, entry, "--%s in serve's usage", tt.flag)
		assert.Contains(t, entry, "(default "+tt.want+")", "--%s", tt.flag)
		assert.Equal(t, tt.def, tt.got, "--%s: what serve runs with", tt.flag)
	}
}
