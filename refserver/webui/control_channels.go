package webui

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
)

// Channel and note acts, on open-webui's routes (CHAN-3, CHAN-4, CHAN-5).

// channelMessage is open-webui's MessageModel.
type channelMessage struct {
	ID        string          `json:"id"`
	UserID    string          `json:"user_id"`
	ChannelID string          `json:"channel_id"`
	ReplyToID *string         `json:"reply_to_id"`
	ParentID  *string         `json:"parent_id"`
	IsPinned  bool            `json:"is_pinned"`
	Content   string          `json:"content"`
	Data      json.RawMessage `json:"data"`
	Meta      json.RawMessage `json:"meta"`
	CreatedAt int64           `json:"created_at"` // nanoseconds, as upstream
	UpdatedAt int64           `json:"updated_at"`
}

// postMessage is open-webui's POST /api/v1/channels/{id}/messages/post
// {content, temp_id?, data?, meta?, parent_id?, reply_to_id?}: any member of
// the channel (or an admin) posts, and every member socket gets
// `events:channel {channel_id, message_id, data:{type:"message", data},
// user, channel}` (CHAN-3). Answers the message.
func (c *control) postMessage(r *http.Request, u User) (answer, error) {
	if !u.CanUseChannels() {
		return answer{}, errorf(http.StatusForbidden, "user %s lacks the permission %s", u.ID, PermChannels)
	}
	cid := r.PathValue("id")
	name, found := c.app.pop.Channel(cid)
	if !found {
		return answer{}, errorf(http.StatusNotFound, "channel %s not found", cid)
	}
	if u.Role != RoleAdmin && !c.app.pop.IsMember(cid, u.ID) {
		return answer{}, errorf(http.StatusForbidden, "user %s is not a member of channel %s", u.ID, cid)
	}
	var req struct {
		Content   *string         `json:"content"`
		TempID    *string         `json:"temp_id"`
		Data      json.RawMessage `json:"data"`
		Meta      json.RawMessage `json:"meta"`
		ParentID  *string         `json:"parent_id"`
		ReplyToID *string         `json:"reply_to_id"`
	}
	if err := decodeBody(r, &req); err != nil {
		return answer{}, err
	}
	if req.Content == nil {
		return answer{}, errorf(http.StatusUnprocessableEntity, "content is required")
	}
	t := unixNano()
	msg := channelMessage{
		ID: newUUID(), UserID: u.ID, ChannelID: cid, ReplyToID: req.ReplyToID, ParentID: req.ParentID,
		Content: *req.Content, Data: req.Data, Meta: req.Meta, CreatedAt: t, UpdatedAt: t,
	}
	data := struct {
		TempID *string `json:"temp_id"`
		channelMessage
	}{req.TempID, msg}
	emit := c.app.emit
	if c.app.cfg.Faults.NoChannelMessages { // the fault breaks CHAN-3
		emit = func(string, string, string, any) int { return 0 }
	}
	n := emit("channel:"+cid, "", "events:channel", map[string]any{
		"channel_id": cid,
		"message_id": msg.ID,
		"data":       map[string]any{"type": "message", "data": data},
		"user":       userRef{u.ID, u.Name},
		"channel":    map[string]string{"id": cid, "name": name},
	})
	resp := jsonOK(msg)
	resp.sockets = n
	return resp, nil
}

// removeMembers is open-webui's POST /api/v1/channels/{id}/update/members/remove
// {user_ids} (admin): the users leave the channel, and their sockets leave
// channel:{id}, so later channel events miss them (CHAN-4). Answers the
// number of members removed.
func (c *control) removeMembers(r *http.Request, _ User) (answer, error) {
	var req struct {
		UserIDs []string `json:"user_ids"`
	}
	if err := decodeBody(r, &req); err != nil {
		return answer{}, err
	}
	cid := r.PathValue("id")
	if _, found := c.app.pop.Channel(cid); !found {
		return answer{}, errorf(http.StatusNotFound, "channel %s not found", cid)
	}
	removed := 0
	for _, id := range req.UserIDs {
		if c.app.pop.IsMember(cid, id) {
			removed++
		}
	}
	resp := jsonOK(removed)
	resp.sockets = c.app.change(popChange{Op: "remove-members", Channel: cid, Users: req.UserIDs})
	return resp, nil
}

// deleteChannel is open-webui's DELETE /api/v1/channels/{id}/delete (admin):
// the channel is gone and every socket leaves channel:{id} (CHAN-4).
// Answers true.
func (c *control) deleteChannel(r *http.Request, _ User) (answer, error) {
	cid := r.PathValue("id")
	if _, found := c.app.pop.Channel(cid); !found {
		return answer{}, errorf(http.StatusNotFound, "channel %s not found", cid)
	}
	resp := jsonOK(true)
	resp.sockets = c.app.change(popChange{Op: "delete-channel", Channel: cid})
	return resp, nil
}

// noteModel is open-webui's NoteModel, as `events:note` carries it.
type noteModel struct {
	ID        string          `json:"id"`
	UserID    string          `json:"user_id"`
	Title     string          `json:"title"`
	Data      json.RawMessage `json:"data"`
	Meta      json.RawMessage `json:"meta"`
	CreatedAt int64           `json:"created_at"`
	UpdatedAt int64           `json:"updated_at"`
}

// updateNote is open-webui's POST /api/v1/notes/{id}/update {title?, data?,
// meta?}: a user with write access saves the note, and note:{id} gets
// `events:note` with the note (CHAN-5). Answers the note.
func (c *control) updateNote(r *http.Request, u User) (answer, error) {
	nid := r.PathValue("id")
	owner, found := c.app.pop.noteOwner(nid)
	if !found {
		return answer{}, errorf(http.StatusNotFound, "note %s not found", nid)
	}
	if !c.app.pop.CanWrite(nid, u.ID) {
		return answer{}, errorf(http.StatusForbidden, "user %s may not write note %s", u.ID, nid)
	}
	var req struct {
		Title *string         `json:"title"`
		Data  json.RawMessage `json:"data"`
		Meta  json.RawMessage `json:"meta"`
	}
	if err := decodeBody(r, &req); err != nil {
		return answer{}, err
	}
	if req.Title != nil {
		c.titles.Store(nid, *req.Title)
	}
	if req.Data != nil && string(req.Data) != "null" {
		c.app.change(popChange{Op: "save-note", Note: nid, Data: req.Data})
	}
	content, _, _ := c.app.pop.NoteContent(nid)
	title, _ := c.titles.Load(nid)
	t := unixNano()
	note := noteModel{ID: nid, UserID: owner, Data: content, Meta: req.Meta, UpdatedAt: t, CreatedAt: t}
	note.Title, _ = title.(string)
	resp := jsonOK(note)
	resp.sockets = c.app.emit("note:"+nid, "", "events:note", note)
	return resp, nil
}

// newUUID returns a random (version 4) UUID, as open-webui's ids are.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
