package check

import (
	"time"

	"github.com/stampede-sio/stampede/internal/token"
)

// AdminUser is the admin of the refserver's generated population (CLI.md).
const AdminUser = "u000001"

// Token mints an open-webui token (token.Mint: HS256; claims id, exp, jti,
// iat) for user with the target's secret; empty when no secret was given.
func (t *Target) Token(user string, ttl time.Duration) string {
	if t.Secret == nil {
		return ""
	}
	s, _ := token.Mint(t.Secret, user, ttl, time.Now()) // HMAC with a []byte key cannot fail
	return s
}
