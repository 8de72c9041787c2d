package campaign

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ServerPrefix starts the keys of server settings in --set, --vary and
// scenario paths: server.ping_interval is serve's --ping-interval.
const ServerPrefix = "server."

// IsServerKey reports whether a --set or --vary key is a server setting.
func IsServerKey(key string) bool { return strings.HasPrefix(key, ServerPrefix) }

// FlagOf is the serve flag of a server setting's name (ping_interval →
// --ping-interval).
func FlagOf(name string) string {
	return "--" + strings.ReplaceAll(strings.TrimPrefix(name, ServerPrefix), "_", "-")
}

// SettingsArgs are the serve flags of a scenario's server settings, in key
// order: {ping_interval: 1s} → --ping-interval=1s.
func SettingsArgs(settings map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		out = append(out, FlagOf(k)+"="+settings[k])
	}
	return out
}

// ServeArg turns one --serve-arg FLAG=VALUE (or --FLAG=VALUE, or a bare
// boolean FLAG) into a serve flag.
func ServeArg(arg string) (string, error) {
	name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	if name == "" || strings.ContainsAny(name, " \t") {
		return "", fmt.Errorf("--serve-arg %q: want FLAG=VALUE, a flag of stampede serve (ping-interval=1s)", arg)
	}
	if !hasValue {
		return "--" + name, nil
	}
	return "--" + name + "=" + value, nil
}
