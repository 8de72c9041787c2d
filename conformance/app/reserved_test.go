package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance/app"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/refservertest"
	"github.com/stampede-sio/stampede/refserver/webui"
	"github.com/stampede-sio/stampede/reports"
)

// serveWith is serve with the population given, so the test can look at it,
// and the refserver handler wrapped by mw (nil for none).
func serveWith(t *testing.T, pop *webui.Population, mw func(http.Handler) http.Handler) string {
	t.Helper()
	var opts []refservertest.Option
	if mw != nil {
		opts = append(opts, refservertest.Wrap(mw))
	}
	_, base := refservertest.Start(t, refserver.Config{
		Secret: secret, PingInterval: time.Second, PingTimeout: time.Second, SessionTimeout: sessionTimeout,
		Population: pop,
	}, opts...)
	return base
}

// population is what the scenarios and the README rely on: the users, the
// channels and their members, the notes' content; and the reserved set.
type population struct {
	users, members, missing []string
	notes                   map[string]string
}

func snapshot(pop *webui.Population) population {
	s := population{notes: map[string]string{}}
	ids := []string{"pending01", "nochan01"}
	for i := 1; i <= 300; i++ {
		ids = append(ids, webui.UserID(i))
	}
	ids = append(ids, webui.AllReserved().Users...)
	for _, id := range ids {
		u, ok := pop.User(id)
		if !ok {
			s.missing = append(s.missing, id)
			continue
		}
		s.users = append(s.users, id+":"+string(u.Role))
		s.members = append(s.members, id+":"+strings.Join(pop.ChannelsOf(id), ","))
	}
	for _, nid := range append([]string{"n0001", "n0002", "n0003", "n0004", "n0005"}, webui.AllReserved().Notes...) {
		content, _, _ := pop.NoteContent(nid)
		s.notes[nid] = string(content)
	}
	return s
}

// `check` leaves the target as it found it: run twice against one
// refserver, every case passes both times (no "an earlier run" skip), and
// the population a scenario relies on (u000140, c0001's and c0004's
// members, the notes) and the reserved set are as generated afterwards.
func TestCheckTwiceLeavesThePopulation(t *testing.T) {
	t.Parallel()
	pop := webui.Generate(webui.Sizes{Users: 300, Channels: 4, Notes: 5})
	want := snapshot(pop)
	require.Empty(t, want.missing)
	tgt := target(t, serveWith(t, pop, nil), "documented")
	for run := 1; run <= 2; run++ {
		rec := runApp(t, tgt, "")
		for _, c := range rec.Cases {
			assert.Equal(t, reports.StatusPass, c.Status, "run %d: %s %s: %s %s", run, c.ID, c.Status, c.Reason, c.Actual)
		}
		got := snapshot(pop)
		assert.Equal(t, want, got, "run %d changed the population", run)
		_, ok := pop.Channel("c0004")
		assert.True(t, ok, "c0004 exists after run %d", run)
		assert.True(t, pop.IsMember("c0001", "u000140"), "u000140 in c0001 after run %d", run)
	}
}

// Against a target without the control API, the cases that change shared
// state skip naming --allow-mutations; with it they run, and change the
// reserved set only.
func TestMutationsNeedTheFlag(t *testing.T) {
	t.Parallel()
	pop := webui.Generate(webui.Sizes{Users: 300, Channels: 4, Notes: 5})
	noControl := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/api/control/") {
				http.NotFound(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	tgt := target(t, serveWith(t, pop, noControl), "documented")
	pattern := `^(AUTH-6/delete-user|AUTH-6/role-pending|CHAN-4/removed|CHAN-4/deleted|CHAN-5/readable|CHAN-5/denied|DOC-3/debounce)$`
	for _, c := range runApp(t, tgt, pattern).Cases {
		assert.Equal(t, reports.StatusSkip, c.Status, c.ID)
		assert.Contains(t, c.Reason, "--allow-mutations", c.ID)
	}
	before := snapshot(pop)
	require.Empty(t, before.missing)

	tgt.AllowMutations = true
	for _, c := range runApp(t, tgt, pattern).Cases {
		assert.Equal(t, reports.StatusPass, c.Status, "%s: %s %s", c.ID, c.Reason, c.Actual)
	}
	after := snapshot(pop)
	assert.Equal(t, []string{"chk004"}, after.missing, "AUTH-6/delete-user deleted its reserved user, and nobody else")
	_, ok := pop.Channel("chk-c02")
	assert.False(t, ok, "CHAN-4/deleted deleted its reserved channel")
	assert.False(t, pop.IsMember("chk-c01", "chk005"), "CHAN-4/removed removed its reserved member")
	assert.Equal(t, before.notes["n0001"], after.notes["n0001"])
	assert.NotEmpty(t, after.notes["chk-n01"], "DOC-3 saved its reserved note")
}

// Every mutating case is listed by Mutations, which help check prints.
func TestMutationsListed(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	for _, c := range app.Cases() {
		ids[c.ID] = true
	}
	for _, m := range app.Mutations() {
		id := strings.TrimSuffix(m.Case, "*")
		found := false
		for c := range ids {
			found = found || c == m.Case || (id != m.Case && strings.HasPrefix(c, id))
		}
		assert.True(t, found, "%s names no case", m.Case)
		assert.NotEmpty(t, m.Changes, m.Case)
	}
}
