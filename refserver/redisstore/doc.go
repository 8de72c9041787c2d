// Package redisstore keeps the open-webui application's shared state in
// Redis, so that several refserver instances serve one deployment
// (PROTOCOL.md §8, SCALE-2): the session pool (AUTH-2, SESS-2..4), the usage
// pool (CHAT-4), the revocation keys (AUTH-6), the collaborative documents
// (DOC-2, DOC-5, DOC-6) and the reaper locks (SESS-5). Each type implements
// the interface of the same role in package webui, whose memory
// implementations are the reference semantics; New builds them all over one
// go-redis client.
//
// # Key layout
//
// The keys are upstream open-webui's, under the prefix P (REDIS_KEY_PREFIX,
// default "open-webui"), so the values read the same whichever server wrote
// them. Keys is the one place in code that builds them.
//
//	key                                 type    content
//	P:session_pool                      hash    sid → JSON session entry, with last_seen_at (unix s)
//	P:usage_pool                        hash    model → JSON {"<sid>": {"updated_at": <unix s>}, …}
//	P:auth:token:<jti>:revoked          string  "1" while the token is revoked (no TTL unless Options.TokenRevokedTTL)
//	P:auth:user:<id>:revoked_at         string  unix seconds, decimal: tokens issued at or before are revoked
//	P:ydoc:documents:<doc>:updates      list    Yjs updates, each a JSON array of ints, "[1, 2, 3]" as Python writes it
//	P:ydoc:documents:<doc>:users        set     member sids
//	P:session_cleanup_lock              string  UUID v4 of the instance running the session reaper, EX lock timeout
//	P:usage_cleanup_lock                string  UUID v4 of the instance running the usage reaper, EX lock timeout
//	P:stampede:instance:<host id>       string  "1", EX 10 min: refreshed each second by its instance; missing means Redis lost its data (stampede's own)
//
// In document keys every ":" of the document id becomes "_", as upstream's
// YdocManager does: note "note:abc" is P:ydoc:documents:note_abc:updates.
//
// # Atomicity
//
// Single-key reads and writes are single commands. Every read-modify-write
// is a Lua script, atomic in Redis, so instances never lose each other's
// writes:
//
//   - SessionPool.Expire scans the hash with HSCAN in batches, then deletes a
//     batch's candidates with a script that checks each one's last_seen_at
//     again: an entry refreshed between the scan and the delete is kept.
//   - UsageStore.Mark, DropSID and Expire decode, change and re-encode a
//     model's value in a script (Redis's built-in cjson), and delete a model
//     left with no sids. DropSID and Expire read the whole usage hash inside
//     Redis: it only holds the sids that generated in the last 3 s.
//   - DocStore.Compact trims the first n updates and pushes the merged one
//     in a script, keeping updates appended since they were read, and does
//     nothing when fewer than n are stored; Delete drops the updates only
//     when the members set is empty; RemoveMember is SREM and SCARD in MULTI.
//   - Lock.Acquire is SET NX EX; Renew and Release compare the value with our
//     UUID in a script before EXPIRE or DEL.
//
// # Failures
//
// The webui interfaces take no context, so every call runs under its own
// deadline, Options.Timeout (DefaultTimeout, 2 s); Lock methods apply it on
// top of the caller's context. A Redis that is down returns an error
// promptly, which the app logs (SCALE-3). To bound a Redis that accepts
// connections but never answers, create the client with
// ContextTimeoutEnabled, or go-redis waits for its own read timeout.
//
// A value that does not decode never panics: it is reported by an error
// wrapping ErrCorrupt. Reads fail on it (SessionPool.Get, DocStore.Updates,
// Revocations.UserRevokedAt) or skip it (SessionPool.All); the reapers and
// Mark remove or replace it and still report it.
//
// All types are safe for concurrent use, as the client is.
package redisstore
