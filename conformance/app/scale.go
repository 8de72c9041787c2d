package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/client"
)

// Section 8: several instances of one deployment (SCALE), and the reaper
// lock (SESS-5). Every case needs --peer, the URL of a second instance;
// the cases that look into Redis or interrupt it need --redis too. Tabs on
// the target are "here", tabs on the peer "there".

const (
	reqSCALE1 = "SCALE-1: WEBSOCKET_MANAGER=redis with WEBSOCKET_REDIS_URL: every emit to a room reaches members on every instance through Redis pub/sub. Per-room channels socketio#/#<room> (WEBSOCKET_REDIS_ROOM_CHANNELS, default on); otherwise one channel socketio."
	reqSCALE2 = "SCALE-2: Session pool, usage pool, document updates and members, locks and revocation keys live in Redis under REDIS_KEY_PREFIX: hashes {P}:session_pool, {P}:usage_pool, lists {P}:ydoc:documents:{doc}:updates."
	reqSCALE3 = "SCALE-3: Losing Redis must not crash an instance: local delivery keeps working, cross-instance delivery resumes when Redis returns."
	reqSESS5  = "SESS-5: With Redis, one instance at a time runs each reaper, holding a lock SET {prefix}:session_cleanup_lock <uuid> NX EX <WEBSOCKET_REDIS_LOCK_TIMEOUT, 60>; renew and release only if the value is still ours."
)

// needPeer skips a case when no second instance was named.
func needPeer(t *check.T) {
	if t.Target.Peer == nil {
		t.Skip("needs a second instance of the deployment: give --peer URL")
	}
}

// needRedis returns a client of the deployment's Redis, skipping the case
// when --redis was not given. It is closed when the case ends.
func needRedis(t *check.T) *redis.Client {
	if t.Target.Redis == "" {
		t.Skip("needs the deployment's Redis: give --redis URL")
	}
	opts, err := redis.ParseURL(t.Target.Redis)
	if err != nil {
		t.Failf("a redis:// URL for --redis", "%q: %v", t.Target.Redis, err)
	}
	opts.DialTimeout, opts.ReadTimeout = check.Wait, check.Wait
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), check.Wait)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Failf("the deployment's Redis at "+opts.Addr+" to answer PING", "%v", err)
	}
	return c
}

func prefix(t *check.T) string  { return orDefault(t.Target.RedisPrefix, "open-webui") }
func channel(t *check.T) string { return orDefault(t.Target.RedisChannel, "socketio") }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// lockTimeout is the deployment's WEBSOCKET_REDIS_LOCK_TIMEOUT.
func lockTimeout(t *check.T) time.Duration {
	if t.Target.LockTimeout > 0 {
		return t.Target.LockTimeout
	}
	return 60 * time.Second
}

func rctx(t *check.T) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), check.Wait)
}

// chatList asks for chat:list on every tab of tb's user (CHAT-3), the
// probe the SCALE cases send to user rooms.
func chatList(tb *tab, chat string) {
	tb.emit("events:chat", map[string]any{"chat_id": chat, "data": map[string]string{"type": "last_read_at"}})
}

func scaleCases(r *run) []check.Case {
	u1, u2, u3, u4, u5, u7, u8, u9, u10, u13 := r.user(), r.user(), r.user(), r.user(), r.user(), r.user(), r.user(), r.user(), r.user(), r.user()
	doc := "note:n0001"
	docLock := r.lock(doc)
	g := newGate()
	cases := []check.Case{
		must("SCALE-1/user-room", reqSCALE1+" Here: an emit to user:{id} reaches the user's tab on the other instance.", func(t *check.T) {
			needPeer(t)
			g.enter(t)
			here, there := login(t, u1), loginAt(t, t.Target.Peer, u1)
			chat := newID("chat")
			chatList(here, chat)
			here.expect("chat:list on the tab of this instance", isChat(chat))
			there.expect("chat:list on the user's tab on the peer instance", isChat(chat))
		}),
		must("SCALE-1/channel-room", reqSCALE1+" Here: typing in a channel reaches members on the other instance, and every member exactly once.", func(t *check.T) {
			needPeer(t)
			g.enter(t)
			here, there := login(t, u2), loginAt(t, t.Target.Peer, u3)
			here.joined(u2)
			there.joined(u3)
			mid := newID("typing")
			here.emit("events:channel", typing("c0001", mid))
			there.expect("the typing on a member's socket on the peer instance", isTyping("c0001", mid))
			here.expect("the typing on the sender's socket", isTyping("c0001", mid))
			sleep(t, quiet)
			for _, tb := range []*tab{here, there} {
				if n := len(tb.find(isTyping("c0001", mid))); n != 1 {
					t.Failf("the typing delivered exactly once to each member socket", "%s got it %d times", tb, n)
				}
			}
		}),
		slow("SCALE-1/document", reqSCALE1+" Here: a document update reaches the document's members on the other instance.", docTimeout, func(t *check.T) {
			needPeer(t)
			g.enter(t)
			onDoc(t, docLock, doc, func(d *docRun) {
				here := d.login(u4)
				there := loginAt(t, t.Target.Peer, u5)
				d.tabs = append(d.tabs, there)
				d.join(here, nil)
				d.join(there, nil)
				update := yjsUpdate(clientID(), "scale")
				d.update(here, update, nil)
				m := there.expect("ydoc:document:update on the member's socket on the peer instance", isDocEvent("ydoc:document:update", doc))
				if got := updateOf(t, m); fmt.Sprint(got) != fmt.Sprint(ints(update)) {
					t.Failf("the update relayed unchanged", "%v", got)
				}
			})
		}),
		must("SCALE-1/disconnect", reqSCALE1+" Here: revoking a user on one instance disconnects the user's sockets on the other (AUTH-6 across instances; "+chkScaleRevoke+", reserved).", func(t *check.T) {
			needPeer(t)
			g.enter(t)
			needControl(t)
			mutates(t, mScaleRevoke)
			there := loginAt(t, t.Target.Peer, chkScaleRevoke)
			there.joined(chkScaleRevoke)
			admin(t, http.MethodPost, "/api/control/users/"+chkScaleRevoke+"/revoke", nil)
			there.gone("the user's socket on the peer instance to get 41")
		}),
		must("SCALE-1/channel-removal", reqSCALE1+" Here: a member removed from a channel through one instance gets none of its later events on the other (CHAN-4 across instances), while the other members there do ("+chkScaleGone+" from "+chkChanScale+", reserved).", func(t *check.T) {
			needPeer(t)
			g.enter(t)
			mutates(t, mScaleRemove)
			u11, u12, cid := chkScaleGone, chkScaleStays, chkChanScale
			gone, stays := loginAt(t, t.Target.Peer, u11), loginAt(t, t.Target.Peer, u12)
			gone.joined(u11)
			stays.joined(u12)
			probe(gone, cid, "the member-to-be-removed's socket in channel:"+cid)
			admin(t, http.MethodPost, "/api/v1/channels/"+cid+"/update/members/remove", map[string][]string{"user_ids": {u11}})
			sender := login(t, u12)
			sender.joined(u12)
			mid := newID("typing")
			sender.emit("events:channel", typing(cid, mid))
			stays.expect("the typing on a remaining member's socket on the peer instance", isTyping(cid, mid))
			gone.refuse("no channel event on the removed member's socket on the peer instance", quiet, isTyping(cid, mid))
		}),
		must("SCALE-1/call", reqSCALE1+" Here: a call to a tab on the other instance (CHAT-2) is answered with that tab's ack, as python-socketio's callbacks across hosts are.", func(t *check.T) {
			needPeer(t)
			g.enter(t)
			needControl(t)
			there := loginAt(t, t.Target.Peer, u13)
			marker := newID("reply")
			there.answerCalls(func(client.Event) []any { return []any{map[string]string{"reply": marker}} })
			var got map[string]any
			decode(t, "the remote tab's ack as the answer", callSID(t, u13, there.sock.ID()), &got)
			if got["reply"] != marker {
				t.Failf(`the peer's tab's ack {"reply":"`+marker+`"} as the target's answer`, "%s", render(got))
			}
		}),
		slow("SCALE-1/redis-channel", reqSCALE1+" Here: the emit is published on the room's channel (or the shared one).", 30*time.Second, func(t *check.T) {
			needPeer(t)
			g.enter(t)
			rc := needRedis(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			ch := channel(t)
			ps := rc.PSubscribe(ctx, ch+"#*")
			defer ps.Close()
			if err := ps.Subscribe(ctx, ch); err != nil {
				t.Failf("to subscribe to "+ch, "%v", err)
			}
			if _, err := ps.Receive(ctx); err != nil { // the first confirmation
				t.Failf("to subscribe to "+ch, "%v", err)
			}
			here := login(t, u7)
			here.joined(u7)
			mid := newID("typing")
			here.emit("events:channel", typing("c0001", mid))
			deadline := time.After(check.Wait)
			for {
				select {
				case <-deadline:
					t.Failf("a message carrying the typing "+mid+" on "+ch+"#/#channel:c0001 or "+ch, "none within %v", check.Wait)
				case m, ok := <-ps.Channel():
					if !ok {
						t.Failf("the subscription to stay open", "closed")
					}
					if !strings.Contains(m.Payload, mid) {
						continue
					}
					if m.Channel != ch+"#/#channel:c0001" && m.Channel != ch {
						t.Failf("the typing published on "+ch+"#/#channel:c0001 (room channels) or "+ch, "on %s", m.Channel)
					}
					var msg struct {
						Method string          `json:"method"`
						Event  string          `json:"event"`
						Room   json.RawMessage `json:"room"`
					}
					if json.Unmarshal([]byte(m.Payload), &msg) != nil || msg.Method != "emit" || msg.Event != "events:channel" {
						t.Failf(`python-socketio's message {"method":"emit","event":"events:channel",…}`, "%.300s", m.Payload)
					}
					t.Logf("published on %s", m.Channel)
					return
				}
			}
		}),
		must("SCALE-2/session-pool", reqSCALE2+" Here: a session opened on one instance is in the pool the other sees.", func(t *check.T) {
			needPeer(t)
			g.enter(t)
			here := login(t, u8)
			sid := here.sock.ID()
			if t.Target.Redis != "" {
				rc := needRedis(t)
				ctx, cancel := rctx(t)
				defer cancel()
				raw, err := rc.HGet(ctx, prefix(t)+":session_pool", sid).Result()
				var e struct {
					ID string `json:"id"`
				}
				if err != nil || json.Unmarshal([]byte(raw), &e) != nil || e.ID != u8 {
					t.Failf(fmt.Sprintf("HGET %s:session_pool %s: JSON with id %s", prefix(t), sid, u8), "%.200s (%v)", raw, err)
				}
			}
			needControl(t)
			var pool map[string]json.RawMessage
			status, b, err := requestAt(t, t.Target.Peer, http.MethodGet, "/api/control/sessions", nil, t.Target.Token(check.AdminUser, time.Hour))
			if err != nil || status != http.StatusOK || json.Unmarshal(b, &pool) != nil {
				t.Failf("the peer's session pool (GET /api/control/sessions)", "HTTP %d %.200s %v", status, b, err)
			}
			if _, ok := pool[sid]; !ok {
				t.Failf("sid "+sid+" (connected to the target) in the peer's session pool", "absent among %d entries", len(pool))
			}
		}),
		slow("SCALE-2/usage-pool", reqSCALE2+" Here: a model in use on one instance is listed by the other's /api/usage.", 30*time.Second, func(t *check.T) {
			needPeer(t)
			g.enter(t)
			here := login(t, u9)
			model := newID("model")
			ok := poll(t, check.Wait, func() bool {
				here.emit("usage", map[string]any{"model": model, "action": "generate", "chat_id": newID("chat")})
				status, b, err := requestAt(t, t.Target.Peer, http.MethodGet, "/api/usage", nil, t.Target.Token(u9, time.Hour))
				return err == nil && status == http.StatusOK && strings.Contains(string(b), `"`+model+`"`)
			})
			if !ok {
				t.Failf("model "+model+" in the peer's /api/usage model_ids", "not listed")
			}
			if t.Target.Redis != "" {
				rc := needRedis(t)
				ctx, cancel := rctx(t)
				defer cancel()
				raw, err := rc.HGet(ctx, prefix(t)+":usage_pool", model).Result()
				if err != nil || !strings.Contains(raw, here.sock.ID()) {
					t.Failf(fmt.Sprintf("HGET %s:usage_pool %s naming sid %s", prefix(t), model, here.sock.ID()), "%.200s (%v)", raw, err)
				}
			}
		}),
		slow("SCALE-2/documents", reqSCALE2+" Here: a document's updates and members, stored by one instance, are what the other serves to a joiner.", docTimeout, func(t *check.T) {
			needPeer(t)
			g.enter(t)
			onDoc(t, docLock, doc, func(d *docRun) {
				here := d.login(u4)
				d.join(here, nil)
				d.update(here, yjsUpdate(clientID(), "stored"), nil)
				if t.Target.Redis != "" {
					// Upstream's YdocManager writes the id with ':' as '_'
					// (note_x); the id as is is accepted too.
					rc := needRedis(t)
					keys := []string{
						prefix(t) + ":ydoc:documents:" + strings.ReplaceAll(doc, ":", "_") + ":updates",
						prefix(t) + ":ydoc:documents:" + doc + ":updates",
					}
					if !poll(t, check.Wait, func() bool {
						ctx, cancel := rctx(t)
						defer cancel()
						for _, k := range keys {
							if n, err := rc.LLen(ctx, k).Result(); err == nil && n > 0 {
								return true
							}
						}
						return false
					}) {
						t.Failf("the update stored in the list "+keys[0]+" (or "+keys[1]+")", "both lists stayed empty")
					}
				}
				sleep(t, 300*time.Millisecond) // the update, sent before, is stored before the peer's join is read
				there := loginAt(t, t.Target.Peer, u5)
				d.tabs = append(d.tabs, there)
				m := d.join(there, nil)
				if s := stateOf(t, m); len(s) <= 2 {
					t.Failf("the peer's state to hold the update stored through the target", "state %v", s)
				}
				var sessions []string
				if !m.field("sessions", &sessions) || !strings.Contains(strings.Join(sessions, ","), here.sock.ID()) {
					t.Failf("sessions to list the member on the target, "+here.sock.ID(), "%s", m)
				}
			})
		}),
		must("SCALE-2/revocation", reqSCALE2+" Here: a token revoked through one instance is refused by the other (AUTH-6).", func(t *check.T) {
			needPeer(t)
			g.enter(t)
			token := t.Target.Token(u10, time.Hour)
			jti := tokenID(t, token)
			switch {
			case t.Target.Control:
				admin(t, http.MethodPost, "/api/control/tokens/revoke", map[string]string{"jti": jti})
			case t.Target.Redis != "":
				rc := needRedis(t)
				ctx, cancel := rctx(t)
				defer cancel()
				if err := rc.Set(ctx, prefix(t)+":auth:token:"+jti+":revoked", "1", time.Hour).Err(); err != nil {
					t.Failf("to revoke the token in Redis", "%v", err)
				}
			default:
				t.Skip("needs the control API or --redis to revoke a token")
			}
			there := loginAt(t, t.Target.Peer, u10) // a fresh token: only the revoked one is refused
			p := there.call("user-join", map[string]any{"auth": map[string]string{"token": token}})
			if len(p.Args) != 0 {
				t.Failf("user-join with the revoked token acked with no arguments on the peer (43<id>[])", "acked %s", p.Args)
			}
		}),
		slow("SCALE-3/local-delivery", reqSCALE3+" Here: while Redis stalls, events between sockets of one instance still arrive at once; afterwards cross-instance delivery works again.", 30*time.Second, func(t *check.T) {
			needPeer(t)
			rc := needRedis(t)
			g.exclusive(t)
			a, b := login(t, u1), login(t, u1)
			there := loginAt(t, t.Target.Peer, u1)
			warm := newID("chat")
			chatList(a, warm)
			there.expect("chat:list across instances before Redis stalls", isChat(warm))
			pause := 2500 * time.Millisecond
			ctx, cancel := rctx(t)
			defer cancel()
			if err := rc.Do(ctx, "CLIENT", "PAUSE", pause.Milliseconds(), "ALL").Err(); err != nil {
				t.Failf("CLIENT PAUSE on the deployment's Redis", "%v", err)
			}
			stalled := time.Now()
			chats := []string{newID("chat"), newID("chat")}
			for _, c := range chats {
				chatList(a, c)
			}
			for _, c := range chats {
				if _, ok := b.await(time.Until(stalled.Add(time.Second)), isChat(c)); !ok {
					t.Failf("chat:list on another tab of the same instance within 1 s while Redis is paused", "%s missing after %v; received: %s", c, time.Since(stalled).Round(time.Millisecond), b.summary())
				}
			}
			sleep(t, time.Until(stalled.Add(pause+200*time.Millisecond)))
			after := newID("chat")
			chatList(a, after)
			there.expect("chat:list across instances once Redis answers again", isChat(after))
		}),
		slow("SCALE-3/resubscribe", reqSCALE3+" Here: after Redis drops the instances' subscriptions, cross-instance delivery resumes.", 45*time.Second, func(t *check.T) {
			needPeer(t)
			rc := needRedis(t)
			g.exclusive(t)
			here, there := login(t, u2), loginAt(t, t.Target.Peer, u2)
			ctx, cancel := rctx(t)
			defer cancel()
			n, err := rc.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Int()
			if err != nil {
				t.Failf("CLIENT KILL TYPE pubsub on the deployment's Redis", "%v", err)
			}
			t.Logf("killed %d pub/sub connections", n)
			var got bool
			cut := time.Now()
			poll(t, 20*time.Second, func() bool {
				chat := newID("chat")
				chatList(here, chat)
				_, got = there.await(300*time.Millisecond, isChat(chat))
				return got
			})
			if !got {
				t.Failf("cross-instance delivery to resume within 20 s of losing the subscriptions", "nothing reached the peer in %v", time.Since(cut).Round(time.Millisecond))
			}
		}),
		slow("SESS-5/redis-lock", reqSESS5, 3*lockTimeoutMax+30*time.Second, func(t *check.T) {
			needPeer(t)
			rc := needRedis(t)
			g.enter(t)
			key := prefix(t) + ":session_cleanup_lock"
			ttl := lockTimeout(t)
			get := func() (string, time.Duration) {
				ctx, cancel := rctx(t)
				defer cancel()
				v, _ := rc.Get(ctx, key).Result()
				d, _ := rc.PTTL(ctx, key).Result()
				return v, d
			}
			var holder string
			var left time.Duration
			if !poll(t, 2*ttl+check.Wait, func() bool { holder, left = get(); return holder != "" }) {
				t.Failf("the lock "+key+" held by an instance", "absent for %v", 2*ttl+check.Wait)
			}
			if left <= 0 || left > ttl {
				t.Failf(fmt.Sprintf("the lock to expire within WEBSOCKET_REDIS_LOCK_TIMEOUT (%v)", ttl), "PTTL %v", left)
			}
			// Renewed: it outlives its expiry, held by the same instance.
			watch := time.Now().Add(left + ttl/2)
			for time.Now().Before(watch) {
				if v, _ := get(); v != holder {
					t.Failf("the lock kept by its holder "+holder+", renewed before it expires", "the value became %q", v)
				}
				sleep(t, 100*time.Millisecond)
			}
			// Not ours any more: the former holder must neither renew nor release it.
			mine := newID("lock")
			ctx, cancel := rctx(t)
			defer cancel()
			if err := rc.Set(ctx, key, mine, ttl).Err(); err != nil {
				t.Failf("to take the lock over", "%v", err)
			}
			defer rc.Eval(context.WithoutCancel(ctx), `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`, []string{key}, mine)
			until := time.Now().Add(ttl/2 + time.Second)
			for time.Now().Before(until) {
				if v, _ := get(); v != mine {
					t.Failf("a lock another owner holds left alone: renewed and released only while the value is ours", "the value %q became %q", mine, v)
				}
				sleep(t, 100*time.Millisecond)
			}
		}),
	}
	for i := range cases {
		cases[i].Layer = check.LayerScale
	}
	return cases
}

// lockTimeoutMax bounds SESS-5/redis-lock's case timeout: the lock's
// lifetime is only known at run time, so the case allows for the default.
const lockTimeoutMax = 60 * time.Second

// gate runs the scale cases together, except the ones that pause Redis or
// cut its connections (SCALE-3): those run alone, since a stalled Redis
// stalls what the others wait for.
type gate struct {
	turn  chan struct{} // held briefly by entrants, for as long as an exclusive case waits
	slots chan struct{} // one per case inside
}

const gateSlots = 64

func newGate() *gate {
	return &gate{turn: make(chan struct{}, 1), slots: make(chan struct{}, gateSlots)}
}

func (g *gate) take(t *check.T, ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	case <-t.Context().Done():
		t.Failf("a turn among the scale cases", "other cases kept Redis until the case's time ran out")
	}
}

// enter lets the case run beside the other shared ones.
func (g *gate) enter(t *check.T) {
	g.take(t, g.turn)
	g.take(t, g.slots)
	<-g.turn
	t.Cleanup(func() { <-g.slots })
}

// exclusive waits until the case is the only one inside; a case calls
// either enter or exclusive, once.
func (g *gate) exclusive(t *check.T) {
	g.take(t, g.turn)
	for range gateSlots {
		g.take(t, g.slots)
	}
	t.Cleanup(func() {
		for range gateSlots {
			<-g.slots
		}
		<-g.turn
	})
}

// tokenID is the jti claim of a token the suite minted.
func tokenID(t *check.T, token string) string {
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil || c.ID == "" {
		t.Failf("a minted token with a jti", "%v", err)
	}
	return c.ID
}
