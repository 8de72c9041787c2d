package redisstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/stampede-sio/stampede/refserver/webui"
)

// SessionPool is the session pool in the hash {P}:session_pool, field sid →
// JSON of the entry, as upstream's RedisDict writes it (AUTH-2, SESS-2/3).
type SessionPool struct {
	base
	// afterScan, when set, runs between Expire's scan of a batch and its
	// deletion of that batch; tests use it to refresh entries in the gap.
	afterScan func()
}

var _ webui.SessionPool = (*SessionPool)(nil)

// scanCount is the COUNT hint of the HSCANs: a batch small enough not to
// stall Redis, large enough to need few round trips.
const scanCount = 256

// Set stores a session (HSET).
func (p *SessionPool) Set(sid string, e webui.SessionEntry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("redisstore: failed to encode session %q: %w", sid, err)
	}
	ctx, cancel := p.ctx()
	defer cancel()
	if err := p.c.HSet(ctx, p.keys.SessionPool(), sid, v).Err(); err != nil {
		return fmt.Errorf("redisstore: failed to set session: %w", err)
	}
	return nil
}

// Get returns a session; an entry that does not decode is an error wrapping
// ErrCorrupt.
func (p *SessionPool) Get(sid string) (webui.SessionEntry, bool, error) {
	ctx, cancel := p.ctx()
	defer cancel()
	v, err := p.c.HGet(ctx, p.keys.SessionPool(), sid).Result()
	if errors.Is(err, redis.Nil) {
		return webui.SessionEntry{}, false, nil
	}
	if err != nil {
		return webui.SessionEntry{}, false, fmt.Errorf("redisstore: failed to get session: %w", err)
	}
	e, err := decodeEntry(v)
	if err != nil {
		return webui.SessionEntry{}, false, fmt.Errorf("%w: %s field %q: %v", ErrCorrupt, p.keys.SessionPool(), sid, err)
	}
	return e, true, nil
}

// Delete removes a session (HDEL).
func (p *SessionPool) Delete(sid string) error {
	ctx, cancel := p.ctx()
	defer cancel()
	if err := p.c.HDel(ctx, p.keys.SessionPool(), sid).Err(); err != nil {
		return fmt.Errorf("redisstore: failed to delete session: %w", err)
	}
	return nil
}

// expireScript deletes the fields ARGV[2..] of hash KEYS[1] whose stored
// last_seen_at is still before ARGV[1], or that do not decode: a Set that
// refreshed an entry after Expire read it wins. It returns {expired,
// undecodable}.
var expireScript = redis.NewScript(`
local before = tonumber(ARGV[1])
local gone, bad = {}, {}
for i = 2, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v then
    local ok, e = pcall(cjson.decode, v)
    if not ok or type(e) ~= 'table' or type(e.last_seen_at) ~= 'number' then
      redis.call('HDEL', KEYS[1], ARGV[i])
      bad[#bad + 1] = ARGV[i]
    elseif e.last_seen_at < before then
      redis.call('HDEL', KEYS[1], ARGV[i])
      gone[#gone + 1] = ARGV[i]
    end
  end
end
return {gone, bad}
`)

// Expire removes the entries last seen before the given time (SESS-3) and
// returns their sids, sorted. It walks the hash with HSCAN, one batch at a
// time, and deletes each batch's candidates with a script that checks
// last_seen_at again, so a concurrent refresh is never lost. Entries that do
// not decode are removed too (nothing could use them) and reported by an
// error wrapping ErrCorrupt; the returned sids are then still valid.
func (p *SessionPool) Expire(before int64) ([]string, error) {
	var gone, bad []string
	var cursor uint64
	for {
		ctx, cancel := p.ctx()
		kv, next, err := p.c.HScan(ctx, p.keys.SessionPool(), cursor, "", scanCount).Result()
		cancel()
		if err != nil {
			return nil, fmt.Errorf("redisstore: failed to scan sessions: %w", err)
		}
		args := []any{before}
		for i := 0; i+1 < len(kv); i += 2 {
			var e struct {
				LastSeenAt *int64 `json:"last_seen_at"`
			}
			if json.Unmarshal([]byte(kv[i+1]), &e) != nil || e.LastSeenAt == nil || *e.LastSeenAt < before {
				args = append(args, kv[i])
			}
		}
		if p.afterScan != nil {
			p.afterScan()
		}
		if len(args) > 1 {
			g, b, err := p.expireBatch(args)
			if err != nil {
				return nil, err
			}
			gone, bad = append(gone, g...), append(bad, b...)
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	// HSCAN may return a field twice; the script deletes it once, so
	// duplicates cannot occur in gone, but sort and compact to be sure.
	slices.Sort(gone)
	gone = slices.Compact(gone)
	if len(bad) > 0 {
		slices.Sort(bad)
		return gone, fmt.Errorf("%w: removed %d session entries of %s: %s", ErrCorrupt,
			len(bad), p.keys.SessionPool(), strings.Join(bad, ", "))
	}
	return gone, nil
}

func (p *SessionPool) expireBatch(args []any) (gone, bad []string, err error) {
	ctx, cancel := p.ctx()
	defer cancel()
	res, err := expireScript.Run(ctx, p.c, []string{p.keys.SessionPool()}, args...).Slice()
	if err != nil {
		return nil, nil, fmt.Errorf("redisstore: failed to expire sessions: %w", err)
	}
	if len(res) != 2 {
		return nil, nil, fmt.Errorf("redisstore: expire script returned %d values, want 2", len(res))
	}
	return scriptStrings(res[0]), scriptStrings(res[1]), nil
}

// scriptStrings reads a script's array of strings.
func scriptStrings(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, s := range a {
		if s, ok := s.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// All returns the whole pool, read with HSCAN in batches. Entries that do
// not decode are left out and reported by an error wrapping ErrCorrupt; the
// returned map then still holds every readable entry.
func (p *SessionPool) All() (map[string]webui.SessionEntry, error) {
	out := map[string]webui.SessionEntry{}
	var bad []string
	var cursor uint64
	for {
		ctx, cancel := p.ctx()
		kv, next, err := p.c.HScan(ctx, p.keys.SessionPool(), cursor, "", scanCount).Result()
		cancel()
		if err != nil {
			return nil, fmt.Errorf("redisstore: failed to scan sessions: %w", err)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			e, err := decodeEntry(kv[i+1])
			if err != nil {
				bad = append(bad, kv[i])
				continue
			}
			out[kv[i]] = e
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return out, fmt.Errorf("%w: skipped %d session entries of %s: %s", ErrCorrupt,
			len(bad), p.keys.SessionPool(), strings.Join(slices.Compact(bad), ", "))
	}
	return out, nil
}

// decodeEntry reads a session entry; JSON null, which encoding/json would
// read as a zero entry, is an error.
func decodeEntry(v string) (webui.SessionEntry, error) {
	var e *webui.SessionEntry
	if err := json.Unmarshal([]byte(v), &e); err != nil {
		return webui.SessionEntry{}, err
	}
	if e == nil {
		return webui.SessionEntry{}, errors.New("null")
	}
	return *e, nil
}
