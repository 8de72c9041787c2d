package webui

import "fmt"

// Profile selects the behaviours where the seeds and upstream open-webui
// differ (the table at the end of PROTOCOL.md).
type Profile struct {
	Name string
	// AnonymousOnBadToken accepts a bad token at connect as an anonymous
	// socket instead of CONNECT_ERROR (AUTH-3; upstream always_connect).
	AnonymousOnBadToken bool
	// KeepPreviousUserRoom keeps the first user's room when user-join
	// brings another user's token (AUTH-5).
	KeepPreviousUserRoom bool
	// OpenScratchDocs lets any session socket join non-note documents (DOC-1).
	OpenScratchDocs bool
}

// The two profiles.
var (
	ProfileDocumented = Profile{Name: "documented"}
	ProfileOpenWebUI  = Profile{Name: "open-webui", AnonymousOnBadToken: true, KeepPreviousUserRoom: true, OpenScratchDocs: true}
)

// ParseProfile returns the profile named name.
func ParseProfile(name string) (Profile, error) {
	switch name {
	case "", ProfileDocumented.Name:
		return ProfileDocumented, nil
	case ProfileOpenWebUI.Name:
		return ProfileOpenWebUI, nil
	}
	return Profile{}, fmt.Errorf("unknown profile %q (want documented or open-webui)", name)
}
