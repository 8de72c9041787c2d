package engine

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// EIO-9: `2probe` and `5` back to back, then a GET: the GET gets 400 every
// time, also when it lands before the server has read `5`; the racy-upgrade
// fault answers some of them `6`.
func TestGetAfterUpgradeRefused(t *testing.T) {
	t.Parallel()
	for _, racy := range []bool{false, true} {
		ts := newTestServer(t, Config{Transports: bothTransports, Faults: Faults{RacyUpgrade: racy}})
		refused := 0
		for range 20 {
			p := openPolling(t, ts, nil)
			c := dialWS(t, p.upgradeURL(), nil, false)
			c.send(t, "2probe")
			c.send(t, "5")
			if p.get(t).code == http.StatusBadRequest {
				refused++
			}
			assert.Equal(t, "3probe", c.nextText(t))
		}
		if racy {
			assert.Less(t, refused, 20, "racy-upgrade answers a GET after `5` with `6` at times")
		} else {
			assert.Equal(t, 20, refused, "every GET sent after `5` gets 400")
		}
	}
}

// EIO-8: POST `1` with no GET pending, then at once a GET: the GET gets `6`
// and the session is gone after it.
func TestPostCloseThenGet(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: []string{"polling"}})
	for range 5 {
		p := openPolling(t, ts, nil)
		post := make(chan pollResult, 1)
		go func() { r, _ := p.try(http.MethodPost, "1"); post <- r }()
		waitState(t, ts.session(t), func(s *Session) bool { return s.closed })
		r := p.get(t)
		assert.Equal(t, http.StatusOK, r.code)
		assert.Equal(t, "6", r.body, "a GET that lands after the POST `1` still gets the noop")
		require.Equal(t, http.StatusOK, (<-post).code)
		assert.Equal(t, http.StatusBadRequest, p.get(t).code, "then the sid is gone")
	}
}
