package scenarios

import "sort"

// ControlAction is one action of the control step: the refserver route it
// calls with an admin token (README, "Control API") and the params it needs.
// A {param} in Route is filled from Params; the other params are the JSON body.
type ControlAction struct {
	Method   string
	Route    string
	Required []string
}

// ControlActions returns the control step's actions by name:
//
//	stream        POST /api/control/stream {user_id, …}: a streamed completion to every tab of user_id
//	events        POST /api/control/events {user_id, chat_id, message_id, data}: one events to every tab
//	post-message  POST /api/v1/channels/{channel_id}/messages/post {content}: a channel message
//	drop          POST /api/control/drop {mode}: close (41, no reconnect) or transport (TCP cut) for everyone
//	revoke        POST /api/control/users/{user_id}/revoke: revoke the user's tokens (41 to its sockets)
func ControlActions() map[string]ControlAction {
	return map[string]ControlAction{
		"stream":       {Method: "POST", Route: "/api/control/stream", Required: []string{"user_id"}},
		"events":       {Method: "POST", Route: "/api/control/events", Required: []string{"user_id"}},
		"post-message": {Method: "POST", Route: "/api/v1/channels/{channel_id}/messages/post", Required: []string{"channel_id", "content"}},
		"drop":         {Method: "POST", Route: "/api/control/drop"},
		"revoke":       {Method: "POST", Route: "/api/control/users/{user_id}/revoke", Required: []string{"user_id"}},
	}
}

func controlActionNames() []string {
	var names []string
	for n := range ControlActions() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
