package scenarios

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The names CLI.md promises.
var cliBuiltins = []string{"chat-stream", "collab-doc", "connect-storm", "echo-baseline", "echo-fanout", "heartbeat-load", "ping-settings", "reconnect-backoff", "room-burst", "room-fanout"}

func TestBuiltins(t *testing.T) {
	t.Parallel()
	assert.Equal(t, cliBuiltins, BuiltinNames())
	for _, name := range BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, err := Builtin(name)
			require.NoError(t, err)
			assert.Equal(t, name, s.Name, "name matches the file")
			assert.NoError(t, s.Validate())
			assert.NotEmpty(t, s.Description)
			assert.NotEmpty(t, s.Thresholds, "a built-in decides its exit code")
			assert.Empty(t, s.Target.URLs, "runs against stampede serve's default (or --target)")
			assert.LessOrEqual(t, s.Peak(), 2000, "modest by default: --vus scales")
			assert.LessOrEqual(t, s.Length(), 60*time.Second, "modest by default: --duration scales")
			assert.Positive(t, s.Peak())

			// The plain file in this folder is the embedded one.
			f, err := LoadFile(name + ".yaml")
			require.NoError(t, err)
			f.file, s.file = "", ""
			assert.Equal(t, s, f)
		})
	}
}

func TestBuiltinUnknown(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"nope", "../go", "connect-storm.yaml", ""} {
		_, err := Builtin(name)
		assert.ErrorIs(t, err, ErrUnknownBuiltin, name)
	}
	_, err := Builtin("nope")
	assert.EqualError(t, err, `scenarios: unknown built-in scenario "nope" (want a file, or one of `+
		`chat-stream, collab-doc, connect-storm, echo-baseline, echo-fanout, heartbeat-load, ping-settings, reconnect-backoff, room-burst, room-fanout)`)
}

func TestBuiltinsAreFormatted(t *testing.T) {
	t.Parallel()
	// Every .yaml in the folder is a built-in: no stray files get embedded.
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	n := 0
	for _, e := range entries {
		if len(e.Name()) > 5 && e.Name()[len(e.Name())-5:] == ".yaml" {
			n++
		}
	}
	assert.Equal(t, len(cliBuiltins), n)
}

func TestBuiltinSpecifics(t *testing.T) {
	t.Parallel()
	load := func(name string) *Scenario {
		s, err := Builtin(name)
		require.NoError(t, err)
		return s.WithDefaults()
	}
	echo := load("echo-baseline")
	assert.Equal(t, "/echo", echo.Target.Namespace)
	assert.Equal(t, AuthNone, echo.Auth.Mode)
	assert.False(t, *echo.Client.UserJoin)
	assert.False(t, *echo.Client.FetchConfig)

	rb := load("reconnect-backoff")
	var drop *ControlStep
	for _, st := range rb.Flows[0].Steps {
		if st.Control != nil {
			drop = st.Control
		}
	}
	require.NotNil(t, drop)
	assert.Equal(t, "drop", drop.Action)
	assert.Equal(t, "transport", drop.Params["mode"])
	assert.True(t, drop.Once)
	require.NoError(t, Set(rb, "client.reconnect.randomization", "0"))
	assert.NoError(t, rb.Validate(), "jitter off")

	rf := load("room-fanout")
	require.NoError(t, Set(rf, "vars.room", "c0002"))
	assert.NoError(t, rf.Validate())
	// The same load, de-phased (the default) and phase-locked on purpose.
	burst := load("room-burst")
	assert.Empty(t, rf.Flows[0].Steps[1].Loop.Phase, "room-fanout: random phase")
	assert.Equal(t, LoopPhaseAligned, burst.Flows[0].Steps[1].Loop.Phase)
	assert.Equal(t, rf.Phases[0], burst.Phases[0])
	assert.Equal(t, rf.Flows[1].Steps[0].Listen, burst.Flows[1].Steps[0].Listen)
	assert.Contains(t, burst.Description, "phase-locked burst")
}
