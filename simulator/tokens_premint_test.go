package simulator

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Premint gives each client of the segment the user and a valid token it
// would have minted itself, once; clients beyond the premint mint their own.
func TestPremint(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		seg    Segment
		minted int
	}{{Segment{}, 10}, {Segment{I: 2, N: 3}, 3}} { // 2/3 owns 1, 4, 7 below 10
		seg := tt.seg
		env := testEnv(t, "http://127.0.0.1:1", `
auth: {user: 'u{{printf "%06d" (add .Index 2)}}-{{.Flow}}'}
flows: [{name: a, weight: 1, steps: [connect]}, {name: b, weight: 3, steps: [connect]}]`)
		env.Segment = seg
		require.NoError(t, env.Premint(t.Context(), 10))
		p := env.plan
		assert.Equal(t, tt.minted, p.minted.left, "segment %v: tokens minted", seg)
		for index := range 12 {
			if !seg.Owns(index) {
				continue
			}
			v, ok := p.newVU(index, time.Now())
			require.True(t, ok)
			want, _, err := p.mint(index, &v.td, time.Now()) // what it renders by itself
			require.NoError(t, err)
			assert.Equal(t, want, v.td.User, "segment %v, client %d", seg, index)
			c := jwt.MapClaims{}
			_, err = jwt.ParseWithClaims(v.token, c, func(*jwt.Token) (any, error) { return []byte(testSecret), nil })
			require.NoError(t, err, "client %d", index)
			assert.Equal(t, v.td.User, c["id"])
			_, again := p.minted.take(index)
			assert.False(t, again, "client %d: a premint is taken once", index)
		}
		assert.Zero(t, p.minted.left, "segment %v: every owned premint was taken", seg)
	}
}
