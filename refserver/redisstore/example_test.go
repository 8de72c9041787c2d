package redisstore_test

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stampede-sio/stampede/refserver/redisstore"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// The key layout under the default prefix, upstream open-webui's.
func ExampleKeys() {
	k := redisstore.NewKeys("")
	fmt.Println(k.SessionPool())
	fmt.Println(k.UsagePool())
	fmt.Println(k.TokenRevoked("<jti>"))
	fmt.Println(k.UserRevokedAt("<id>"))
	fmt.Println(k.DocUpdates("note:abc"))
	fmt.Println(k.DocUsers("note:abc"))
	fmt.Println(k.SessionCleanupLock())
	fmt.Println(k.UsageCleanupLock())
	// Output:
	// open-webui:session_pool
	// open-webui:usage_pool
	// open-webui:auth:token:<jti>:revoked
	// open-webui:auth:user:<id>:revoked_at
	// open-webui:ydoc:documents:note_abc:updates
	// open-webui:ydoc:documents:note_abc:users
	// open-webui:session_cleanup_lock
	// open-webui:usage_cleanup_lock
}

// New plugs the shared state of several instances into the app (SCALE-2).
// ContextTimeoutEnabled lets the per-call timeout bound a stalled Redis.
func ExampleNew() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	defer client.Close()
	st := redisstore.New(client, "open-webui")
	cfg := webui.Config{
		Sessions:    st.Sessions,
		Usage:       st.Usage,
		Revocations: st.Revocations,
		DocStore:    st.Docs,
		SessionLock: st.SessionLock,
		UsageLock:   st.UsageLock,
		LockTimeout: 60 * time.Second,
	}
	_ = cfg
}
