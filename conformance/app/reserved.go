package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
)

// The cases that must change shared state act only on the set the
// refserver reserves for them (CLI.md, "The embedded default population";
// refserver/webui/reserved.go): users chk001 … chk010, channels chk-c01 …
// chk-c03, notes chk-n01 (every user writes), chk-n02 (every user reads,
// u000001 writes) and chk-n03 (private to u000001). Against a refserver
// (the control API answers) such a case resets what it changes before it
// acts and again when it ends, so that the suite run twice, or a scenario
// after it, finds the population as generated. Against another target it
// runs only with --allow-mutations (check.Target.AllowMutations).

// Mutation is what one case changes on the target.
type Mutation struct {
	Case    string // the case ID
	Changes string // what it does, in words
	users   []string
	chans   []string
	notes   []string
}

// The reserved entities each case uses.
const (
	chkRevokedUser = "chk001" // AUTH-1/revoked-user
	chkRevokeUser  = "chk002" // AUTH-6/revoke-user
	chkPending     = "chk003" // AUTH-6/role-pending
	chkDeleted     = "chk004" // AUTH-6/delete-user
	chkRemoved     = "chk005" // CHAN-4/removed
	chkStays       = "chk006"
	chkMember      = "chk007" // CHAN-4/deleted
	chkScaleRevoke = "chk008" // SCALE-1/disconnect
	chkScaleGone   = "chk009" // SCALE-1/channel-removal
	chkScaleStays  = "chk010"

	chkChanRemove = "chk-c01"
	chkChanDelete = "chk-c02"
	chkChanScale  = "chk-c03"

	chkNoteWrite   = "chk-n01"
	docSave        = "note:" + chkNoteWrite // DOC-3's document
	chkNoteRead    = "chk-n02"
	chkNotePrivate = "chk-n03"
)

var (
	mRevokedUser = Mutation{Case: "AUTH-1/revoked-user", Changes: "revokes every token of user " + chkRevokedUser, users: []string{chkRevokedUser}}
	mRevokeUser  = Mutation{Case: "AUTH-6/revoke-user", Changes: "revokes every token of user " + chkRevokeUser, users: []string{chkRevokeUser}}
	mPending     = Mutation{Case: "AUTH-6/role-pending", Changes: "sets user " + chkPending + "'s role to pending, then back to user", users: []string{chkPending}}
	mDeleteUser  = Mutation{Case: "AUTH-6/delete-user", Changes: "deletes user " + chkDeleted, users: []string{chkDeleted}}
	mRemoved     = Mutation{Case: "CHAN-4/removed", Changes: "removes " + chkRemoved + " from channel " + chkChanRemove, chans: []string{chkChanRemove}}
	mDeleteChan  = Mutation{Case: "CHAN-4/deleted", Changes: "deletes channel " + chkChanDelete, chans: []string{chkChanDelete}}
	mReadable    = Mutation{Case: "CHAN-5/readable", Changes: "sets the title of note " + chkNoteRead, notes: []string{chkNoteRead}}
	mDenied      = Mutation{Case: "CHAN-5/denied", Changes: "sets the title of note " + chkNotePrivate, notes: []string{chkNotePrivate}}
	mSave        = Mutation{Case: "DOC-3/*", Changes: "saves the content of note " + chkNoteWrite, notes: []string{chkNoteWrite}}
	mScaleRevoke = Mutation{Case: "SCALE-1/disconnect", Changes: "revokes every token of user " + chkScaleRevoke, users: []string{chkScaleRevoke}}
	mScaleRemove = Mutation{Case: "SCALE-1/channel-removal", Changes: "removes " + chkScaleGone + " from channel " + chkChanScale, chans: []string{chkChanScale}}
)

// Mutations lists the cases that change shared state on the target, and
// what they change (stampede help check).
func Mutations() []Mutation {
	return []Mutation{mRevokedUser, mRevokeUser, mPending, mDeleteUser, mRemoved, mDeleteChan, mReadable, mDenied, mSave, mScaleRevoke, mScaleRemove}
}

// noMutations is why a case that changes shared state skips.
const noMutations = "the target has no refserver control API to restore the reserved set; pass --allow-mutations to run it against a deployment whose users chk001 … may be changed"

// mutates gates a case that changes what m names: it needs the secret,
// and, against a target that cannot restore the reserved set,
// --allow-mutations. Against a refserver it resets m's entities now and
// again when the case ends.
func mutates(t *check.T, m Mutation) { t.Cleanup(mutating(t, m)) }

// mutating is mutates for a case that must restore earlier than its end
// (a document case, before it lets the document's lock go): it returns
// the restore.
func mutating(t *check.T, m Mutation) (restore func()) {
	needSecret(t)
	if !t.Target.Control {
		if !t.Target.AllowMutations {
			t.Skip(m.Changes + ": " + noMutations)
		}
		return func() {}
	}
	if err := resetReserved(t, m); err != nil {
		t.Skip(fmt.Sprintf("%s, and the refserver cannot reset the reserved set (%v): upgrade it", m.Changes, err))
	}
	return func() {
		if err := resetReserved(t, m); err != nil {
			t.Logf("failed to restore %s: %v", m.Case, err)
		}
	}
}

// resetReserved asks the refserver to restore m's entities (POST
// /api/control/reset-reserved). It does not use the case's context, which
// is canceled when the case times out and its cleanups still run.
func resetReserved(t *check.T, m Mutation) error {
	ctx, cancel := context.WithTimeout(context.Background(), check.Wait)
	defer cancel()
	body := fmt.Sprintf(`{"users":%s,"channels":%s,"notes":%s}`, render(nonNil(m.users)), render(nonNil(m.chans)), render(nonNil(m.notes)))
	url := strings.TrimSuffix(t.Target.URL.String(), "/") + "/api/control/reset-reserved"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+t.Target.Token(check.AdminUser, time.Hour))
	req.Header.Set("Content-Type", "application/json")
	t.Logf("HTTP > POST %s/api/control/reset-reserved %s", t.Target.URL.Host, body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
