package webui

// Faults are this layer's fault injections, each breaking the behaviour ID
// it names, so that conformance cases can be shown to fail.
type Faults struct {
	AcceptBadTokens        bool // AUTH-1, AUTH-3: every token naming a known user passes
	LeakUserRooms          bool // AUTH-5, CHAT-1: user-join never leaves the previous user's room
	EchoTypingToOthersOnly bool // CHAN-2: typing is not echoed to the sender
}
