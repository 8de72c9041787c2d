package redisstore

import (
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/stampede-sio/stampede/refserver/webui"
)

// UsageStore is the usage pool in the hash {P}:usage_pool, field model →
// JSON {"<sid>": {"updated_at": <unix>}, …}, upstream's format (CHAT-4).
// Upstream reads, changes and writes a model's value from Python, so two
// instances can lose each other's marks; here every change is one Lua
// script, atomic in Redis, using its built-in cjson.
type UsageStore struct{ base }

var _ webui.UsageStore = (*UsageStore)(nil)

// usageLib is the scripts' shared part. clean decodes a model's value and
// keeps the well-formed entries; it returns them, their number and how
// many were dropped (a value that is not a JSON object counts as one).
// put writes a model's entries back, or deletes the model when none are
// left. DropSID and Expire also delete a model found empty ({} or []):
// upstream never leaves one, and it would count as a model in use.
const usageLib = `
local function clean(v)
  local out, n, bad = {}, 0, 0
  if not v then return out, 0, 0 end
  local ok, d = pcall(cjson.decode, v)
  if not ok or type(d) ~= 'table' then return out, 0, 1 end
  for sid, e in pairs(d) do
    if type(sid) == 'string' and type(e) == 'table' and type(e.updated_at) == 'number' then
      out[sid] = {updated_at = e.updated_at}
      n = n + 1
    else
      bad = bad + 1
    end
  end
  return out, n, bad
end
local function put(key, model, t, n)
  if n == 0 then
    redis.call('HDEL', key, model)
  else
    redis.call('HSET', key, model, cjson.encode(t))
  end
end
`

// markScript sets KEYS[1][ARGV[1]][ARGV[2]] = {updated_at = ARGV[3]}.
var markScript = redis.NewScript(usageLib + `
local t, n, bad = clean(redis.call('HGET', KEYS[1], ARGV[1]))
if not t[ARGV[2]] then n = n + 1 end
t[ARGV[2]] = {updated_at = tonumber(ARGV[3])}
put(KEYS[1], ARGV[1], t, n)
return bad
`)

// dropScript removes sid ARGV[1] from every model. It reads the whole hash:
// the layout is upstream's and has no sid → models index. The pool only
// holds the sids that generated in the last 3 s, so the hash stays small,
// but a disconnect costs O(entries) inside Redis.
var dropScript = redis.NewScript(usageLib + `
local all = redis.call('HGETALL', KEYS[1])
local bad = 0
for i = 1, #all, 2 do
  local t, n, b = clean(all[i + 1])
  bad = bad + b
  if t[ARGV[1]] then
    t[ARGV[1]] = nil
    n = n - 1
    put(KEYS[1], all[i], t, n)
  elseif b > 0 or n == 0 then
    put(KEYS[1], all[i], t, n)
  end
end
return bad
`)

// expireUsageScript drops entries updated before ARGV[1], and models left
// with none. Like dropScript it reads the whole (small) hash in one step.
var expireUsageScript = redis.NewScript(usageLib + `
local before = tonumber(ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
local bad = 0
for i = 1, #all, 2 do
  local t, n, b = clean(all[i + 1])
  bad = bad + b
  local changed = b > 0 or n == 0
  for sid, e in pairs(t) do
    if e.updated_at < before then
      t[sid] = nil
      n = n - 1
      changed = true
    end
  end
  if changed then put(KEYS[1], all[i], t, n) end
end
return bad
`)

// Mark records that sid uses model at now. A model value that does not
// decode is replaced, and reported by an error wrapping ErrCorrupt after
// the mark was stored.
func (u *UsageStore) Mark(model, sid string, now int64) error {
	return u.run(markScript, "mark", model, sid, now)
}

// DropSID forgets every entry of a sid (SESS-4). See dropScript for its cost.
func (u *UsageStore) DropSID(sid string) error {
	return u.run(dropScript, "drop sid from", sid)
}

// Expire drops entries updated before the given time, and models left with
// none (CHAT-4).
func (u *UsageStore) Expire(before int64) error {
	return u.run(expireUsageScript, "expire", before)
}

// run runs one of the scripts, which return how many malformed entries
// they removed.
func (u *UsageStore) run(s *redis.Script, what string, args ...any) error {
	ctx, cancel := u.ctx()
	defer cancel()
	bad, err := s.Run(ctx, u.c, []string{u.keys.UsagePool()}, args...).Int()
	if err != nil {
		return fmt.Errorf("redisstore: failed to %s usage pool: %w", what, err)
	}
	if bad > 0 {
		return fmt.Errorf("%w: removed %d malformed entries of %s", ErrCorrupt, bad, u.keys.UsagePool())
	}
	return nil
}

// Models lists the models in use, sorted (HKEYS).
func (u *UsageStore) Models() ([]string, error) {
	ctx, cancel := u.ctx()
	defer cancel()
	models, err := u.c.HKeys(ctx, u.keys.UsagePool()).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: failed to list usage pool: %w", err)
	}
	slices.Sort(models)
	return models, nil
}
