package refserver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/webui"
)

// Every app fault parses and lands in Faults.App, which reaches the webui
// layer as it is.
func TestAppFaultParsing(t *testing.T) {
	t.Parallel()
	var f Faults
	for _, v := range []string{"auth-bypass", "keep-private-fields", "no-user-room", "no-revocation-disconnect",
		"payload-identity", "wrong-api-shapes", "no-session-reaper", "keep-session-on-disconnect", "drop-event=heartbeat",
		"channels-for-all", "relay-any-channel-event", "no-channel-messages", "no-channel-leave", "join-any-note",
		"events-to-everyone", "call-any-sid", "call-no-ack", "no-usage-reaper", "doc-echo-to-sender",
		"doc-relay-from-readers", "doc-binary-relay", "no-save-debounce", "cancel-save-on-resync",
		"no-doc-compaction", "no-doc-clear"} {
		require.NoError(t, f.Set(v), v)
		name, _, _ := strings.Cut(v, "=")
		assert.Contains(t, FaultNames(), name)
	}
	require.NoError(t, f.Set("drop-event=events:chat"))
	require.NoError(t, f.Set("accept-bad-tokens"))
	assert.Equal(t, Faults{App: webui.Faults{
		AcceptBadTokens: true, AuthBypass: true, KeepPrivateFields: true, NoUserRoom: true,
		NoRevocationDisconnect: true, PayloadIdentity: true, WrongAPIShapes: true, NoSessionReaper: true,
		KeepSessionOnDisconnect: true, DropEvents: []string{"heartbeat", "events:chat"}, ChannelsForAll: true,
		RelayAnyChannelEvent: true, NoChannelMessages: true, NoChannelLeave: true, JoinAnyNote: true,
		EventsToEveryone: true, CallAnySID: true, CallNoAck: true, NoUsageReaper: true, DocEchoToSender: true,
		DocRelayFromReaders: true, DocBinaryRelay: true, NoSaveDebounce: true, CancelSaveOnResync: true,
		NoDocCompaction: true, NoDocClear: true,
	}}, f)
	for _, bad := range []string{"drop-event", "drop-event= ", "no-user-room=1"} {
		assert.ErrorIs(t, new(Faults).Set(bad), ErrConfig, bad)
	}
}
