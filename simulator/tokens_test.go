package simulator

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/webui"
)

// AUTH-1: a minted token verifies with the refserver's own check, with the
// claims id, exp, jti and iat; a negative lifetime leaves exp out.
func TestMintTokenVerifies(t *testing.T) {
	t.Parallel()
	secret := []byte("test-secret")
	auth := webui.NewAuth(secret, webui.Generate(webui.Sizes{Users: 5, Channels: 2, Notes: 3}), webui.NewMemoryRevocations())
	tests := []struct {
		name string
		ttl  time.Duration
		exp  bool
	}{
		{"with exp", time.Hour, true},
		{"without exp", -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := mintToken(secret, "u000002", tt.ttl, time.Now())
			require.NoError(t, err)
			u, c, err := auth.Verify(tok)
			require.NoError(t, err)
			assert.Equal(t, "u000002", u.ID)
			assert.Equal(t, "u000002", c.ID)
			assert.NotEmpty(t, c.RegisteredClaims.ID, "jti")
			assert.NotNil(t, c.IssuedAt, "iat")
			assert.Equal(t, tt.exp, c.ExpiresAt != nil, "exp")
		})
	}
	_, err := mintToken(nil, "u000002", time.Hour, time.Now())
	assert.ErrorIs(t, err, ErrNoSecret)
}

// The control step's admin token is u000001's, reused until half its life.
func TestAdminTokenRenews(t *testing.T) {
	t.Parallel()
	a := adminToken{secret: []byte("s")}
	now := time.Now()
	t1, err := a.get(now)
	require.NoError(t, err)
	t2, _ := a.get(now.Add(time.Minute))
	assert.Equal(t, t1, t2, "reused")
	t3, _ := a.get(now.Add(adminTTL))
	assert.NotEqual(t, t1, t3, "renewed")
}
