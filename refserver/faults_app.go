package refserver

import (
	"fmt"
	"strings"

	"github.com/stampede-sio/stampede/refserver/webui"
)

// appFaultSetters are the faults of the open-webui layer added for the
// conformance suite's app cases (each names the ID it breaks); they set
// Faults.App, which newApp in app.go passes to the webui layer.
var appFaultSetters = map[string]func(f *Faults, arg string) error{
	// AUTH-1, AUTH-4: a token refused for any reason (missing, malformed,
	// sk-, unknown user, …) authenticates as webui.BypassUser.
	"auth-bypass": appFault(func(a *webui.Faults) { a.AuthBypass = true }),
	// AUTH-2: session entries keep date_of_birth, bio, gender and the
	// profile image URLs.
	"keep-private-fields": appFault(func(a *webui.Faults) { a.KeepPrivateFields = true }),
	// AUTH-2, AUTH-4, CHAT-1: no socket ever joins user:{id}.
	"no-user-room": appFault(func(a *webui.Faults) { a.NoUserRoom = true }),
	// AUTH-6: revoking a token or a user, deleting a user or demoting it to
	// pending disconnects nobody.
	"no-revocation-disconnect": appFault(func(a *webui.Faults) { a.NoRevocationDisconnect = true }),
	// AUTH-7, DOC-4: a user_id in the payload is taken as the sender's identity.
	"payload-identity": appFault(func(a *webui.Faults) { a.PayloadIdentity = true }),
	// SESS-1 and section 11: /api/config, /api/version and /api/usage
	// answer with wrong field types or a missing field.
	"wrong-api-shapes": appFault(func(a *webui.Faults) { a.WrongAPIShapes = true }),
	// SESS-3: the session reaper never runs.
	"no-session-reaper": appFault(func(a *webui.Faults) { a.NoSessionReaper = true }),
	// SESS-4, DOC-6: a disconnect cleans up nothing.
	"keep-session-on-disconnect": appFault(func(a *webui.Faults) { a.KeepSessionOnDisconnect = true }),
	// Any ID: the named incoming event gets no handler, e.g.
	// drop-event=heartbeat (SESS-2), drop-event=events:chat (CHAT-3),
	// drop-event=ydoc:document:state (DOC-4). Repeat it for several events.
	"drop-event": func(f *Faults, arg string) error {
		if strings.TrimSpace(arg) == "" {
			return fmt.Errorf("drop-event wants an event name, e.g. drop-event=heartbeat")
		}
		f.App.DropEvents = append(f.App.DropEvents, arg)
		return nil
	},
	// CHAN-1: every session socket joins every channel room.
	"channels-for-all": appFault(func(a *webui.Faults) { a.ChannelsForAll = true }),
	// CHAN-2: events:channel of any type, from members or not, is relayed as typing.
	"relay-any-channel-event": appFault(func(a *webui.Faults) { a.RelayAnyChannelEvent = true }),
	// CHAN-3: a posted channel message is not emitted.
	"no-channel-messages": appFault(func(a *webui.Faults) { a.NoChannelMessages = true }),
	// CHAN-4: removing a member or deleting a channel leaves the sockets in its room.
	"no-channel-leave": appFault(func(a *webui.Faults) { a.NoChannelLeave = true }),
	// CHAN-5, DOC-1: note rooms and note documents are joined without the read check.
	"join-any-note": appFault(func(a *webui.Faults) { a.JoinAnyNote = true }),
	// CHAT-1: POST /api/control/events reaches every socket.
	"events-to-everyone": appFault(func(a *webui.Faults) { a.EventsToEveryone = true }),
	// CHAT-2: a call reaches any live sid, whoever's; an unknown sid answers null.
	"call-any-sid": appFault(func(a *webui.Faults) { a.CallAnySID = true }),
	// CHAT-2: a call is emitted without an ack id and answers null.
	"call-no-ack": appFault(func(a *webui.Faults) { a.CallNoAck = true }),
	// CHAT-4: usage entries are never reaped.
	"no-usage-reaper": appFault(func(a *webui.Faults) { a.NoUsageReaper = true }),
	// DOC-2: an update is also sent back to its sender.
	"doc-echo-to-sender": appFault(func(a *webui.Faults) { a.DocEchoToSender = true }),
	// DOC-2: updates from readers and non-members are relayed.
	"doc-relay-from-readers": appFault(func(a *webui.Faults) { a.DocRelayFromReaders = true }),
	// DOC-2: a binary update is relayed as binary.
	"doc-binary-relay": appFault(func(a *webui.Faults) { a.DocBinaryRelay = true }),
	// DOC-3: an update with data saves the note at once.
	"no-save-debounce": appFault(func(a *webui.Faults) { a.NoSaveDebounce = true }),
	// DOC-3: an update without data cancels the pending save.
	"cancel-save-on-resync": appFault(func(a *webui.Faults) { a.CancelSaveOnResync = true }),
	// DOC-5: stored updates are never compacted.
	"no-doc-compaction": appFault(func(a *webui.Faults) { a.NoDocCompaction = true }),
	// DOC-6: the stored updates outlive the last member.
	"no-doc-clear": appFault(func(a *webui.Faults) { a.NoDocClear = true }),
}

func appFault(set func(*webui.Faults)) func(*Faults, string) error {
	return flagFault(func(f *Faults) { set(&f.App) })
}

// appFaults is what the webui layer gets: Faults.App, plus the app faults
// that have their own fields in Faults.
func appFaults(f Faults) webui.Faults {
	a := f.App
	a.DropEvents = append([]string(nil), f.App.DropEvents...)
	a.AcceptBadTokens = a.AcceptBadTokens || f.AcceptBadTokens
	a.LeakUserRooms = a.LeakUserRooms || f.LeakUserRooms
	a.EchoTypingToOthersOnly = a.EchoTypingToOthersOnly || f.EchoTypingToOthersOnly
	return a
}
