package serverurl

import (
	"fmt"
	"net/url"
	"strings"
)

// URL is a Socket.IO server as a socket.io-client user names it:
// io("http://host:port/echo", {path: "/socket.io"}) is the server at
// http://host:port, Engine.IO path /socket.io/, namespace /echo.
type URL struct {
	// Base is the server: scheme http or https (ws and wss are mapped to
	// them), host and port, no path, query or fragment.
	Base *url.URL
	// Namespace is the URL's path when it names one ("/echo"); "" when the
	// URL has no path or only "/".
	Namespace string
}

// Parse parses a server URL the way socket.io-client reads the URL
// given to io(): http://, https://, ws:// or wss://, with an optional
// namespace as its path (a trailing slash is dropped: /echo/ is /echo).
// Bad input is an error naming what is wrong.
func Parse(raw string) (URL, error) {
	if !strings.Contains(raw, "://") {
		return URL{}, fmt.Errorf("serverurl: target %q: want an http://, https://, ws:// or wss:// URL, e.g. http://%s", raw, strings.TrimSpace(raw))
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return URL{}, fmt.Errorf("serverurl: target %q: %w", raw, err)
	}
	switch u.Scheme {
	case "http", "https":
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	default:
		return URL{}, fmt.Errorf("serverurl: target %q: want an http://, https://, ws:// or wss:// URL", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return URL{}, fmt.Errorf("serverurl: target %q: no host", raw)
	}
	if u.User != nil {
		return URL{}, fmt.Errorf("serverurl: target %q: user information in a target URL is not supported", raw)
	}
	nsp := strings.TrimRight(u.Path, "/")
	base := &url.URL{Scheme: u.Scheme, Host: u.Host}
	return URL{Base: base, Namespace: nsp}, nil
}

// EnginePath is the Engine.IO path as engine.io-client sends it: one
// leading slash and one trailing slash ("socket.io" and "/socket.io" are
// "/socket.io/"), since the stock Node server serves only "/socket.io/".
// "" stays "" (the default).
func EnginePath(p string) string {
	trimmed := strings.Trim(strings.TrimSpace(p), "/")
	switch {
	case trimmed != "":
		return "/" + trimmed + "/"
	case strings.Contains(p, "/"):
		return "/" // the server's root
	}
	return ""
}
