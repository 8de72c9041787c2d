package webui_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/webui"
)

// UserID names generated users with six digits.
func TestUserID(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "u000001", webui.UserID(1))
	assert.Equal(t, "u020000", webui.UserID(20000))
}

// The generated population as CLI.md and the README describe it: u000001
// admin, the others users with features.channels, pending01 and nochan01.
func TestGenerateUsers(t *testing.T) {
	t.Parallel()
	p := webui.Generate(webui.Sizes{Users: 10, Channels: 4, Notes: 5})
	assert.Equal(t, 22, p.UserCount(), "10 users, pending01, nochan01 and the reserved chk001 … chk010")

	admin, ok := p.User("u000001")
	require.True(t, ok)
	assert.Equal(t, webui.RoleAdmin, admin.Role)
	assert.Equal(t, "User 1", admin.Name)
	assert.Equal(t, "u000001@example.com", admin.Email)
	assert.True(t, admin.CanUseChannels())
	for i := 2; i <= 10; i++ {
		u, ok := p.User(webui.UserID(i))
		require.True(t, ok, webui.UserID(i))
		assert.Equal(t, webui.RoleUser, u.Role)
		assert.Equal(t, fmt.Sprintf("User %d", i), u.Name)
		assert.True(t, u.Permissions[webui.PermChannels], "%s has features.channels", u.ID)
	}
	_, ok = p.User("u000011")
	assert.False(t, ok)

	pending, ok := p.User("pending01")
	require.True(t, ok)
	assert.Equal(t, webui.RolePending, pending.Role)
	nochan, ok := p.User("nochan01")
	require.True(t, ok)
	assert.Equal(t, webui.RoleUser, nochan.Role)
	assert.False(t, nochan.CanUseChannels(), "nochan01 lacks features.channels")

	// User returns a copy.
	admin.Name = "changed"
	again, _ := p.User("u000001")
	assert.Equal(t, "User 1", again.Name)
}

// c0001 holds every user; c0002 … partition the users: user i is in the
// channel k with (i-1) mod (channels-1) = k-2, and in no other.
func TestGenerateChannels(t *testing.T) {
	t.Parallel()
	const users, channels = 10, 4
	p := webui.Generate(webui.Sizes{Users: users, Channels: channels, Notes: 0})
	name, ok := p.Channel("c0001")
	require.True(t, ok)
	assert.Equal(t, "Everyone", name)
	name, ok = p.Channel("c0003")
	require.True(t, ok)
	assert.Equal(t, "Channel 3", name)
	_, ok = p.Channel("c0005")
	assert.False(t, ok)

	for i := 1; i <= users; i++ {
		id := webui.UserID(i)
		k := (i-1)%(channels-1) + 2
		assert.Equal(t, []string{"c0001", fmt.Sprintf("c%04d", k)}, p.ChannelsOf(id), id)
		for c := 2; c <= channels; c++ {
			assert.Equal(t, c == k, p.IsMember(fmt.Sprintf("c%04d", c), id), "%s in c%04d", id, c)
		}
	}
	assert.Equal(t, []string{"c0001"}, p.ChannelsOf("pending01"))
	assert.Equal(t, []string{"c0001"}, p.ChannelsOf("nochan01"))
	assert.Nil(t, p.ChannelsOf("nobody"))
	assert.False(t, p.IsMember("c0001", "nobody"))
	assert.False(t, p.IsMember("c9999", "u000001"))

	one := webui.Generate(webui.Sizes{Users: 3, Channels: 1})
	assert.Equal(t, []string{"c0001"}, one.ChannelsOf("u000003"), "Channels: 1 is the big room alone")
	none := webui.Generate(webui.Sizes{Users: 3})
	assert.Empty(t, none.ChannelsOf("u000003"), "Channels: 0")
}

// n0001 every user reads and writes; n0002 every user reads, u000001
// writes; n0003 private to u000001; n0004 … owned by user k; admins read
// and write all.
func TestGenerateNotes(t *testing.T) {
	t.Parallel()
	p := webui.Generate(webui.Sizes{Users: 10, Channels: 2, Notes: 5})
	tests := []struct {
		note, user  string
		read, write bool
	}{
		{"n0001", "u000002", true, true},
		{"n0001", "nochan01", true, true},
		{"n0002", "u000002", true, false},
		{"n0002", "u000001", true, true},
		{"n0003", "u000001", true, true},
		{"n0003", "u000002", false, false},
		{"n0003", "nochan01", false, false},
		{"n0004", "u000004", true, true},
		{"n0004", "u000005", false, false},
		{"n0004", "u000001", true, true}, // admin
		{"n0005", "u000005", true, true},
		{"n0006", "u000001", false, false}, // Notes: 5
		{"n0001", "nobody", false, false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.read, p.CanRead(tc.note, tc.user), "%s reads %s", tc.user, tc.note)
		assert.Equal(t, tc.write, p.CanWrite(tc.note, tc.user), "%s writes %s", tc.user, tc.note)
	}
}

// CHAN-4: RemoveMember takes a user out of a listed channel or of the
// all-users channel, and no one else; DeleteChannel removes the channel for
// everyone.
func TestRemoveMemberAndDeleteChannel(t *testing.T) {
	t.Parallel()
	p := webui.Generate(webui.Sizes{Users: 10, Channels: 4})

	require.True(t, p.RemoveMember("c0003", "u000002"))
	assert.Equal(t, []string{"c0001"}, p.ChannelsOf("u000002"))
	assert.False(t, p.IsMember("c0003", "u000002"))
	assert.True(t, p.IsMember("c0003", "u000005"), "the other members stay")

	require.True(t, p.RemoveMember("c0001", "u000003"), "from the all-users channel")
	assert.False(t, p.IsMember("c0001", "u000003"))
	assert.Equal(t, []string{"c0004"}, p.ChannelsOf("u000003"))
	for _, id := range []string{"u000001", "u000002", "u000010", "pending01", "nochan01"} {
		assert.True(t, p.IsMember("c0001", id), "%s still in c0001", id)
		assert.Contains(t, p.ChannelsOf(id), "c0001", id)
	}
	assert.Equal(t, []string{"c0001", "c0002"}, p.ChannelsOf("u000004"), "listed once")

	require.True(t, p.RemoveMember("c0001", "u000004"), "a second removal from the former all-users channel")
	assert.False(t, p.IsMember("c0001", "u000004"))
	assert.False(t, p.IsMember("c0001", "u000003"), "the first removal holds")
	assert.True(t, p.IsMember("c0001", "u000005"))

	assert.False(t, p.RemoveMember("c9999", "u000002"), "unknown channel")

	require.True(t, p.DeleteChannel("c0002"))
	_, ok := p.Channel("c0002")
	assert.False(t, ok)
	assert.False(t, p.IsMember("c0002", "u000001"))
	assert.Equal(t, []string{"c0001"}, p.ChannelsOf("u000001"))
	assert.False(t, p.DeleteChannel("c0002"), "already deleted")

	require.True(t, p.DeleteChannel("c0001"))
	assert.Equal(t, []string{"c0003"}, p.ChannelsOf("u000005"), "deleting the big room")
}

// Touch, SetRole, DeleteUser (the control API's acts on users).
func TestUserMutations(t *testing.T) {
	t.Parallel()
	p := webui.Generate(webui.Sizes{Users: 5, Channels: 2, Notes: 3})
	p.Touch("u000002", 1234)
	u, _ := p.User("u000002")
	assert.Equal(t, int64(1234), u.LastActiveAt)
	p.Touch("nobody", 1) // no effect, no panic

	require.True(t, p.SetRole("u000002", webui.RolePending))
	u, _ = p.User("u000002")
	assert.Equal(t, webui.RolePending, u.Role)
	assert.False(t, p.SetRole("nobody", webui.RoleAdmin))

	require.True(t, p.DeleteUser("u000003"))
	_, ok := p.User("u000003")
	assert.False(t, ok)
	assert.False(t, p.IsMember("c0001", "u000003"), "a deleted user is in no channel")
	assert.Nil(t, p.ChannelsOf("u000003"))
	assert.False(t, p.CanRead("n0001", "u000003"))
	assert.False(t, p.DeleteUser("u000003"))
	assert.Equal(t, 16, p.UserCount(), "5 users, pending01, nochan01, chk001 … chk010, less u000003")
}

// The population is safe for concurrent use (run with -race).
func TestPopulationConcurrent(t *testing.T) {
	t.Parallel()
	p := webui.Generate(webui.Sizes{Users: 50, Channels: 4, Notes: 5})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 1; i <= 50; i++ {
				id := webui.UserID(i)
				p.Touch(id, int64(i))
				p.ChannelsOf(id)
				p.IsMember("c0001", id)
				p.CanRead("n0002", id)
				p.User(id)
				if i%10 == w {
					p.RemoveMember("c0001", id)
					p.SetRole(id, webui.RoleUser)
				}
			}
		})
	}
	wg.Wait()
	for i := 1; i <= 50; i++ {
		assert.Equal(t, i%10 >= 4, p.IsMember("c0001", webui.UserID(i)), webui.UserID(i))
	}
}
