// Package app holds the conformance cases of the open-webui application
// layer on namespace "/": PROTOCOL.md sections 3–8 and 11 (AUTH-1 … AUTH-7,
// SESS-1 … SESS-5, CHAN-1 … CHAN-5, CHAT-1 … CHAT-4, DOC-1 … DOC-6 and the
// HTTP endpoints a client needs). An ID with several conditions has one case
// per condition ("AUTH-1/expired", "CHAT-2/other-user-sid"); where the
// profile table of PROTOCOL.md differs (AUTH-3, AUTH-5, DOC-1 non-note
// ids), a case checks the expectation of check.Target.Profile.
//
// What the cases assume of the target, and what they skip without:
//
//   - Tokens are minted with the target's secret (--secret). Without it,
//     every case that needs a valid or a well-signed token skips.
//   - The population is the refserver's generated one (CLI.md, "The
//     embedded default population"): u000001 the admin, u000002 … users with
//     features.channels, pending01 (role pending), nochan01 (no
//     features.channels); channel c0001 with every user and c0002 … with
//     the users of index i where (i-1) mod (channels-1) = k-2, so that with
//     at least 4 channels u000002 is in c0003 and not c0002, and u000003 is
//     in c0004; notes n0001 (everyone reads and writes), n0002 (everyone
//     reads, u000001 writes), n0003 (private to u000001), n0004 and n0005
//     owned by u000004 and u000005. At least 300 users and 5 notes. And the
//     set the refserver reserves for check (reserved.go): users chk001 …
//     chk010, channels chk-c01 … chk-c03, notes chk-n01 … chk-n03.
//   - What the server does on its own (events and calls to a user's tabs,
//     posted channel messages, revocations) and what only the server
//     can see (the session pool, a user's last_active_at, a document's
//     stored updates) go through the refserver control API
//     (check.Target.Control, README "Control API"); without it those cases
//     skip. The reaper cases (SESS-2/recreate, SESS-3) need the target's
//     session timeout (--session-timeout).
//   - The scale layer (check.LayerScale: PROTOCOL.md section 8 and SESS-5)
//     is built here too, since it shares the users and the document locks.
//     Its cases need a second instance of the deployment (--peer) and skip
//     without; those that read Redis keys, subscribe to its channels, pause
//     it (CLIENT PAUSE) or cut its subscriptions (CLIENT KILL TYPE pubsub)
//     need the deployment's Redis (--redis). The pausing and cutting ones
//     run alone, the others together.
//
// The cases that change shared state (Mutations: revoke, demote, delete
// users, remove members, delete channels, save notes) act only on the
// reserved set. Against a refserver each resets what it changes before it
// acts and when it ends (POST /api/control/reset-reserved), so the suite
// run twice, or a scenario after it, finds the population as generated.
// Against a target without the control API they skip unless
// check.Target.AllowMutations (--allow-mutations); there, if an earlier
// run changed their entity, AUTH-6/delete-user, CHAN-4/removed and
// CHAN-4/deleted skip, saying so.
//
// Concurrency: the runner runs cases at once, and every case uses its own
// sockets. The users are handed out per case from u000100 upward when Cases
// builds the list, so that no two cases share a user's rooms. The fixed
// users above are each used by one case, or by the cases of one document
// in turn; the admin's sockets serve many cases, but nothing is ever sent
// to its user room. The document cases share the five notes: the
// cases of one document hold its lock in turn, and each lets the document
// go empty before the next may start. Every wait is bounded by check.Wait
// or by the case's context, so a target that hangs or talks garbage ends a
// case within its timeout.
package app
