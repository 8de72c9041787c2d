package reports

import "github.com/stampede-sio/stampede/internal/threshold"

// The built-in metric names and tag keys, re-exported from package
// threshold, which owns them with the threshold grammar (one list that
// scenarios' validation shares): records, reporters and the simulator name
// metrics through these.
const (
	MetricConnectTCP       = threshold.MetricConnectTCP
	MetricHandshake        = threshold.MetricHandshake
	MetricSIOConnect       = threshold.MetricSIOConnect
	MetricUserJoin         = threshold.MetricUserJoin
	MetricAck              = threshold.MetricAck
	MetricPush             = threshold.MetricPush
	MetricReconnect        = threshold.MetricReconnect
	MetricRecovery         = threshold.MetricRecovery
	MetricLag              = threshold.MetricLag
	MetricConnections      = threshold.MetricConnections
	MetricDisconnects      = threshold.MetricDisconnects
	MetricReconnects       = threshold.MetricReconnects
	MetricMessagesSent     = threshold.MetricMessagesSent
	MetricMessagesReceived = threshold.MetricMessagesReceived
	MetricBytesSent        = threshold.MetricBytesSent
	MetricBytesReceived    = threshold.MetricBytesReceived
	MetricErrors           = threshold.MetricErrors
	MetricStartsDropped    = threshold.MetricStartsDropped
	MetricStartsDelayed    = threshold.MetricStartsDelayed
	MetricStarts           = threshold.MetricStarts
	MetricErrorRate        = threshold.MetricErrorRate
	MetricClients          = threshold.MetricClients
	MetricConnecting       = threshold.MetricConnecting
	TagEvent               = threshold.TagEvent
	TagKind                = threshold.TagKind
)

// metricRank orders metrics as threshold.Metrics lists them, unknown names
// last.
func metricRank(name string) int {
	for i, m := range threshold.Metrics {
		if m.Name == name {
			return i
		}
	}
	return len(threshold.Metrics)
}
