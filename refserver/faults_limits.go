package refserver

// LimitFaults each remove one limit of PROTOCOL.md section 12, so that the
// conformance suite's `limits` layer can be shown to fail.
type LimitFaults struct {
	NoAttachmentLimit  bool // LIM-1: up to 65,536 attachments per packet, no total
	NoPlaceholderCheck bool // LIM-2: placeholders are not checked on receipt
	AcceptInvalidUTF8  bool // LIM-3: text that is not UTF-8 is accepted and relayed raw
	NoConnectTimeout   bool // LIM-4: sessions without a CONNECT live on
	NoHTTPTimeouts     bool // LIM-5: no read-header or idle timeout
	NoQueueLimit       bool // LIM-6: the outgoing queue is unbounded and websocket writes have no timeout; a polling POST is answered ok
}

// limitFaultSetters are the --fault names of LimitFaults.
var limitFaultSetters = map[string]func(f *Faults, arg string) error{
	"no-attachment-limit":  flagFault(func(f *Faults) { f.Limits.NoAttachmentLimit = true }),
	"no-placeholder-check": flagFault(func(f *Faults) { f.Limits.NoPlaceholderCheck = true }),
	"accept-invalid-utf8":  flagFault(func(f *Faults) { f.Limits.AcceptInvalidUTF8 = true }),
	"no-connect-timeout":   flagFault(func(f *Faults) { f.Limits.NoConnectTimeout = true }),
	"no-http-timeouts":     flagFault(func(f *Faults) { f.Limits.NoHTTPTimeouts = true }),
	"no-queue-limit":       flagFault(func(f *Faults) { f.Limits.NoQueueLimit = true }),
}
