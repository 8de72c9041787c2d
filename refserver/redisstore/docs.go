package redisstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/stampede-sio/stampede/refserver/webui"
)

// DocStore keeps the collaborative documents (DOC-2, DOC-5, DOC-6) in
// upstream's keys: the list {P}:ydoc:documents:{doc}:updates, each element
// a JSON array of ints (json.dumps(list(update))), and the set
// {P}:ydoc:documents:{doc}:users of member sids. Compact and Delete are Lua
// scripts, so they are atomic with respect to other instances' appends and
// joins.
type DocStore struct{ base }

var _ webui.DocStore = (*DocStore)(nil)

// Append stores an update (RPUSH) and returns how many the document holds.
func (d *DocStore) Append(doc string, update []byte) (int, error) {
	ctx, cancel := d.ctx()
	defer cancel()
	n, err := d.c.RPush(ctx, d.keys.DocUpdates(doc), encodeUpdate(update)).Result()
	if err != nil {
		return 0, fmt.Errorf("redisstore: failed to append document update: %w", err)
	}
	return int(n), nil
}

// Updates returns the document's updates, oldest first (LRANGE). An element
// that is not a JSON array of bytes is an error wrapping ErrCorrupt: a
// document missing an update would be silently wrong.
func (d *DocStore) Updates(doc string) ([][]byte, error) {
	ctx, cancel := d.ctx()
	defer cancel()
	key := d.keys.DocUpdates(doc)
	raw, err := d.c.LRange(ctx, key, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: failed to read document updates: %w", err)
	}
	if len(raw) == 0 {
		return nil, nil
	}
	out := make([][]byte, len(raw))
	for i, s := range raw {
		if out[i], err = decodeUpdate(s); err != nil {
			return nil, fmt.Errorf("%w: %s element %d: %v", ErrCorrupt, key, i, err)
		}
	}
	return out, nil
}

// compactScript replaces the first ARGV[1] elements of list KEYS[1] by
// ARGV[2], keeping the elements after them; when the list holds fewer (it
// was deleted meanwhile) it does nothing.
var compactScript = redis.NewScript(`
local n = tonumber(ARGV[1])
if n <= 0 or redis.call('LLEN', KEYS[1]) < n then return 0 end
redis.call('LTRIM', KEYS[1], n, -1)
redis.call('LPUSH', KEYS[1], ARGV[2])
return 1
`)

// Compact replaces the first n updates by merged, keeping any appended
// since they were read; it does nothing when fewer than n are stored.
func (d *DocStore) Compact(doc string, n int, merged []byte) error {
	if n <= 0 {
		return nil
	}
	ctx, cancel := d.ctx()
	defer cancel()
	if err := compactScript.Run(ctx, d.c, []string{d.keys.DocUpdates(doc)}, n, encodeUpdate(merged)).Err(); err != nil {
		return fmt.Errorf("redisstore: failed to compact document: %w", err)
	}
	return nil
}

// deleteScript deletes the updates KEYS[1] unless the members set KEYS[2]
// is not empty; it returns 1 when it deleted them.
var deleteScript = redis.NewScript(`
if redis.call('SCARD', KEYS[2]) > 0 then return 0 end
redis.call('DEL', KEYS[1])
return 1
`)

// Delete removes the document's updates unless it has members again.
func (d *DocStore) Delete(doc string) error {
	ctx, cancel := d.ctx()
	defer cancel()
	keys := []string{d.keys.DocUpdates(doc), d.keys.DocUsers(doc)}
	if err := deleteScript.Run(ctx, d.c, keys).Err(); err != nil {
		return fmt.Errorf("redisstore: failed to delete document: %w", err)
	}
	return nil
}

// AddMember records that socket sid is in the document (SADD).
func (d *DocStore) AddMember(doc, sid string) error {
	ctx, cancel := d.ctx()
	defer cancel()
	if err := d.c.SAdd(ctx, d.keys.DocUsers(doc), sid).Err(); err != nil {
		return fmt.Errorf("redisstore: failed to add document member: %w", err)
	}
	return nil
}

// RemoveMember forgets sid and returns how many members are left (SREM and
// SCARD in one MULTI).
func (d *DocStore) RemoveMember(doc, sid string) (int, error) {
	ctx, cancel := d.ctx()
	defer cancel()
	key := d.keys.DocUsers(doc)
	var card *redis.IntCmd
	_, err := d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SRem(ctx, key, sid)
		card = p.SCard(ctx, key)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redisstore: failed to remove document member: %w", err)
	}
	return int(card.Val()), nil
}

// Members lists the document's member sids, sorted (SMEMBERS).
func (d *DocStore) Members(doc string) ([]string, error) {
	ctx, cancel := d.ctx()
	defer cancel()
	m, err := d.c.SMembers(ctx, d.keys.DocUsers(doc)).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: failed to list document members: %w", err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	slices.Sort(m)
	return m, nil
}

// encodeUpdate writes an update as upstream does, json.dumps(list(update)):
// "[1, 2, 3]" with Python's ", " separator, so the stored bytes are the same
// whichever server wrote them.
func encodeUpdate(u []byte) string {
	b := make([]byte, 0, 2+len(u)*5)
	b = append(b, '[')
	for i, x := range u {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = strconv.AppendUint(b, uint64(x), 10)
	}
	return string(append(b, ']'))
}

// decodeUpdate reads a JSON array of ints 0–255.
func decodeUpdate(s string) ([]byte, error) {
	var ints []int
	if err := json.Unmarshal([]byte(s), &ints); err != nil {
		return nil, err
	}
	if ints == nil {
		return nil, errors.New("not an array")
	}
	out := make([]byte, len(ints))
	for i, x := range ints {
		if x < 0 || x > 255 {
			return nil, fmt.Errorf("value %d at %d is not a byte", x, i)
		}
		out[i] = byte(x)
	}
	return out, nil
}
