package redisstore

import "strings"

// DefaultPrefix is upstream's REDIS_KEY_PREFIX default.
const DefaultPrefix = "open-webui"

// Keys names every key the stores use, all under one prefix (SCALE-2). It is
// the one place that knows the layout; doc.go has the same table in prose.
type Keys struct{ prefix string }

// NewKeys returns the layout under prefix; "" means DefaultPrefix.
func NewKeys(prefix string) Keys {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return Keys{prefix: prefix}
}

// Prefix is the REDIS_KEY_PREFIX every key starts with.
func (k Keys) Prefix() string { return k.prefix }

// SessionPool is the hash sid → JSON session entry (AUTH-2, SESS-2/3).
func (k Keys) SessionPool() string { return k.prefix + ":session_pool" }

// UsagePool is the hash model → JSON {sid: {"updated_at": unix}} (CHAT-4).
func (k Keys) UsagePool() string { return k.prefix + ":usage_pool" }

// SessionCleanupLock elects the instance that runs the session reaper (SESS-5).
func (k Keys) SessionCleanupLock() string { return k.prefix + ":session_cleanup_lock" }

// UsageCleanupLock elects the instance that runs the usage reaper (SESS-5).
func (k Keys) UsageCleanupLock() string { return k.prefix + ":usage_cleanup_lock" }

// Instance is instance id's marker: while it exists, Redis still holds what
// that instance wrote; missing, Redis restarted empty or was flushed
// (SCALE-3). stampede's own key, unknown upstream.
func (k Keys) Instance(id string) string { return k.prefix + ":stampede:instance:" + id }

// TokenRevoked exists while token id jti is revoked (AUTH-6).
func (k Keys) TokenRevoked(jti string) string { return k.prefix + ":auth:token:" + jti + ":revoked" }

// UserRevokedAt holds the unix second at or before which every token of
// user id is revoked (AUTH-6).
func (k Keys) UserRevokedAt(id string) string { return k.prefix + ":auth:user:" + id + ":revoked_at" }

// DocUpdates is the list of a document's Yjs updates, each a JSON array of
// ints (DOC-2, DOC-5).
func (k Keys) DocUpdates(doc string) string {
	return k.prefix + ":ydoc:documents:" + DocKeyID(doc) + ":updates"
}

// DocUsers is the set of a document's member sids (DOC-6).
func (k Keys) DocUsers(doc string) string {
	return k.prefix + ":ydoc:documents:" + DocKeyID(doc) + ":users"
}

// DocKeyID is a document id as it appears inside a key: upstream's
// YdocManager replaces every ":" by "_", so "note:abc" is stored under
// ...:ydoc:documents:note_abc:updates. Doing the same keeps the keys
// readable by an upstream instance and keeps a document id from adding key
// segments.
func DocKeyID(doc string) string { return strings.ReplaceAll(doc, ":", "_") }
