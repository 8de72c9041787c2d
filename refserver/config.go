package refserver

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/refserver/engine"
	"github.com/stampede-sio/stampede/refserver/webui"
)

func randomSecret() []byte {
	var b [32]byte
	rand.Read(b[:])
	return []byte(hex.EncodeToString(b[:]))
}

// Config sets up a Server. The zero value of a field is its default.
type Config struct {
	// Path of the Socket.IO endpoint; default "/ws/socket.io" (EIO-1), or
	// "/socket.io" in lab mode.
	Path string
	// Transports: "websocket" (default, as open-webui), "polling", or both
	// ("polling,websocket": polling first, upgrade allowed). EIO-14.
	Transports   []string
	PingInterval time.Duration // default engine.DefaultPingInterval (25s); 300ms in lab mode (EIO-4)
	PingTimeout  time.Duration // default engine.DefaultPingTimeout (20s); 200ms in lab mode
	MaxPayload   int           // default engine.DefaultMaxPayload (1000000 bytes) (EIO-10)
	CORSOrigins  []string      // EIO-12 allow-list; empty or "*" allows all

	// Limits on broken and hostile clients (PROTOCOL.md section 12).
	MaxAttachments    int           // LIM-1: attachments one packet may announce; default DefaultMaxAttachments
	ConnectTimeout    time.Duration // LIM-4: time to a first Socket.IO CONNECT; default DefaultConnectTimeout
	ReadHeaderTimeout time.Duration // LIM-5: time to read a request's headers; default DefaultReadHeaderTimeout
	IdleTimeout       time.Duration // LIM-5: keep-alive connections idle this long close; default DefaultIdleTimeout
	MaxQueue          int           // LIM-6: packets queued for one client before it is closed; default engine.DefaultMaxQueue
	// Lab serves the echo contract as the whole server (PROTOCOL.md
	// section 10): namespaces / and /custom, path /socket.io, both
	// transports, pings 300ms/200ms, unless set otherwise above.
	Lab bool

	// The open-webui application layer on namespace "/" (not in lab mode).
	Profile string // "documented" (default) or "open-webui"
	// Secret signs and verifies tokens (WEBUI_SECRET_KEY); a random one is
	// generated when empty (see Server.Secret).
	Secret            []byte
	Population        *webui.Population // default: webui.Generate(webui.DefaultSizes)
	HeartbeatInterval time.Duration     // SESS-1; default 30s
	SessionTimeout    time.Duration     // SESS-3; default max(4 × heartbeat, 120s)
	Version           string            // served by GET /api/version

	// Redis mode (SCALE, WEBSOCKET_MANAGER=redis): with RedisURL set
	// (WEBSOCKET_REDIS_URL), emits reach the sockets of every instance
	// through Redis pub/sub, and the session pool, usage pool, documents,
	// revocations and reaper locks live in Redis under RedisKeyPrefix.
	RedisURL         string
	RedisKeyPrefix   string        // REDIS_KEY_PREFIX; default "open-webui"
	RedisLockTimeout time.Duration // WEBSOCKET_REDIS_LOCK_TIMEOUT; default webui.DefaultLockTimeout (60s)
	// RedisSharedChannel publishes every emit on the one channel "socketio"
	// instead of a channel per room (WEBSOCKET_REDIS_ROOM_CHANNELS=false).
	RedisSharedChannel bool
	// RedisChannel is the pub/sub channel, python-socketio's "socketio" by
	// default; deployments sharing one Redis need distinct ones.
	RedisChannel string

	Faults Faults
	Logger *slog.Logger
}

// The defaults of section 12's limits that this package configures,
// exported for the serve command's flags. Those of the engine (ping
// interval and timeout, max payload, max queue) are engine.Default*.
const (
	DefaultMaxAttachments    = 16               // LIM-1
	DefaultConnectTimeout    = 45 * time.Second // LIM-4
	DefaultReadHeaderTimeout = 10 * time.Second // LIM-5
	DefaultIdleTimeout       = 60 * time.Second // LIM-5
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("refserver: bad config")

// WithDefaults returns the configuration with its defaults filled in, or
// the first bad value (wrapping ErrConfig).
func (c Config) WithDefaults() (Config, error) { return c.withDefaults() }

// withDefaults fills in defaults and checks values.
func (c Config) withDefaults() (Config, error) {
	if c.Path == "" {
		c.Path = "/ws/socket.io"
		if c.Lab {
			c.Path = "/socket.io"
		}
	}
	if !strings.HasPrefix(c.Path, "/") {
		return c, fmt.Errorf("%w: path %q must start with /", ErrConfig, c.Path)
	}
	c.Path = strings.TrimSuffix(c.Path, "/")
	if c.Path == "" || c.Path == "/engine.io" {
		return c, fmt.Errorf("%w: path %q is reserved", ErrConfig, c.Path+"/")
	}
	if len(c.Transports) == 0 {
		c.Transports = []string{engineio.TransportWebsocket}
		if c.Lab {
			c.Transports = []string{engineio.TransportPolling, engineio.TransportWebsocket}
		}
	}
	for _, t := range c.Transports {
		if t != engineio.TransportPolling && t != engineio.TransportWebsocket {
			return c, fmt.Errorf("%w: unknown transport %q (want websocket, polling or polling,websocket)", ErrConfig, t)
		}
	}
	if c.Lab {
		c.PingInterval = orDefault(c.PingInterval, 300*time.Millisecond)
		c.PingTimeout = orDefault(c.PingTimeout, 200*time.Millisecond)
	}
	c.PingInterval = orDefault(c.PingInterval, engine.DefaultPingInterval)
	c.PingTimeout = orDefault(c.PingTimeout, engine.DefaultPingTimeout)
	if c.MaxPayload == 0 {
		c.MaxPayload = engine.DefaultMaxPayload
	}
	if c.PingInterval < 0 || c.PingTimeout < 0 || c.MaxPayload < 0 {
		return c, fmt.Errorf("%w: ping interval, ping timeout and max payload must be positive", ErrConfig)
	}
	if err := c.limitDefaults(); err != nil {
		return c, err
	}
	if _, err := webui.ParseProfile(c.Profile); err != nil {
		return c, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if c.RedisKeyPrefix == "" {
		c.RedisKeyPrefix = "open-webui"
	}
	if c.RedisChannel == "" {
		c.RedisChannel = "socketio"
	}
	if c.RedisLockTimeout == 0 {
		c.RedisLockTimeout = webui.DefaultLockTimeout
	}
	if c.RedisLockTimeout < time.Second {
		return c, fmt.Errorf("%w: the Redis lock timeout must be at least 1s (Redis expiries are whole seconds)", ErrConfig)
	}
	if c.RedisURL != "" {
		if _, err := redis.ParseURL(c.RedisURL); err != nil {
			return c, fmt.Errorf("%w: redis URL: %v", ErrConfig, err)
		}
	}
	if len(c.Secret) == 0 {
		c.Secret = randomSecret()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// limitDefaults fills in the defaults of section 12's limits.
func (c *Config) limitDefaults() error {
	if c.MaxAttachments == 0 {
		c.MaxAttachments = DefaultMaxAttachments
	}
	if c.MaxQueue == 0 {
		c.MaxQueue = engine.DefaultMaxQueue
	}
	c.ConnectTimeout = orDefault(c.ConnectTimeout, DefaultConnectTimeout)
	c.ReadHeaderTimeout = orDefault(c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	c.IdleTimeout = orDefault(c.IdleTimeout, DefaultIdleTimeout)
	if c.MaxAttachments < 0 || c.MaxQueue < 0 {
		return fmt.Errorf("%w: max attachments and max queue must be positive", ErrConfig)
	}
	if c.ConnectTimeout < 0 || c.ReadHeaderTimeout < 0 || c.IdleTimeout < 0 {
		return fmt.Errorf("%w: connect, read-header and idle timeouts must be positive", ErrConfig)
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// ParseTransports parses the --transports value: "websocket", "polling" or
// "polling,websocket".
func ParseTransports(v string) ([]string, error) {
	var out []string
	for _, t := range strings.Split(v, ",") {
		t = strings.TrimSpace(t)
		if t != engineio.TransportPolling && t != engineio.TransportWebsocket {
			return nil, fmt.Errorf("%w: unknown transport %q (want websocket, polling or polling,websocket)", ErrConfig, t)
		}
		out = append(out, t)
	}
	return out, nil
}
