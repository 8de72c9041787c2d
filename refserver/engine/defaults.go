package engine

import "time"

// The defaults of Config, exported because the refserver's Config and the
// serve command's flags announce the same values: they read them here
// rather than repeat them.
const (
	DefaultPingInterval = 25 * time.Second // EIO-4
	DefaultPingTimeout  = 20 * time.Second // EIO-4
	DefaultMaxPayload   = 1000000          // bytes (EIO-10)
	DefaultMaxQueue     = 4096             // frames waiting for one client (LIM-6)
)

// defaultWriteTimeout bounds one websocket write (Config.WriteTimeout); the
// engine alone uses it.
const defaultWriteTimeout = 10 * time.Second
