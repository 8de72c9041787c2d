package refserver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/webui"
)

// Every app fault parses, lands in Faults.App, and reaches the webui
// layer through appFaults together with the faults that have their own
// fields.
func TestAppFaultParsing(t *testing.T) {
	t.Parallel()
	var f Faults
	for name := range appFaultSetters {
		v := name
		if name == "drop-event" {
			v = "drop-event=heartbeat"
		}
		require.NoError(t, f.Set(v), v)
		assert.Contains(t, FaultNames(), name)
	}
	require.NoError(t, f.Set("drop-event=events:chat"))
	require.NoError(t, f.Set("accept-bad-tokens"))
	got := appFaults(f)
	assert.Equal(t, webui.Faults{
		AcceptBadTokens: true, AuthBypass: true, KeepPrivateFields: true, NoUserRoom: true,
		NoRevocationDisconnect: true, PayloadIdentity: true, WrongAPIShapes: true, NoSessionReaper: true,
		KeepSessionOnDisconnect: true, DropEvents: []string{"heartbeat", "events:chat"}, ChannelsForAll: true,
		RelayAnyChannelEvent: true, NoChannelMessages: true, NoChannelLeave: true, JoinAnyNote: true,
		EventsToEveryone: true, CallAnySID: true, CallNoAck: true, NoUsageReaper: true, DocEchoToSender: true,
		DocRelayFromReaders: true, DocBinaryRelay: true, NoSaveDebounce: true, CancelSaveOnResync: true,
		NoDocCompaction: true, NoDocClear: true,
	}, got)
	for _, bad := range []string{"drop-event", "drop-event= ", "no-user-room=1"} {
		assert.ErrorIs(t, new(Faults).Set(bad), ErrConfig, bad)
	}
}
