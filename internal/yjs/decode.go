package yjs

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrMalformed is wrapped by every error about an update that cannot be read.
var ErrMalformed = errors.New("yjs: malformed update")

// maxSafe is JavaScript's Number.MAX_SAFE_INTEGER: lib0 refuses larger
// integers, and clocks beyond it cannot be represented by Yjs.
const maxSafe = 1<<53 - 1

// reader reads lib0 encodings from one update.
type reader struct {
	buf []byte
	pos int
}

func (r *reader) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", ErrMalformed, what, r.pos)
}

func (r *reader) byte() (byte, error) {
	if r.pos >= len(r.buf) {
		return 0, r.fail("unexpected end")
	}
	b := r.buf[r.pos]
	r.pos++
	return b, nil
}

// uint reads a lib0 varUint: 7 bits per byte, least significant first.
func (r *reader) uint() (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if r.pos >= len(r.buf) {
			return 0, r.fail("unexpected end")
		}
		b := r.buf[r.pos]
		r.pos++
		if shift > 56 {
			return 0, r.fail("integer out of range")
		}
		v |= uint64(b&0x7f) << shift
		if v > maxSafe {
			return 0, r.fail("integer out of range")
		}
		if b < 0x80 {
			return v, nil
		}
	}
}

// skipInt skips a lib0 varInt (sign in the first byte's 0x40 bit).
func (r *reader) skipInt() error {
	for n := 0; n < 9; n++ {
		b, err := r.byte()
		if err != nil {
			return err
		}
		if b < 0x80 {
			return nil
		}
	}
	return r.fail("integer out of range")
}

func (r *reader) skip(n uint64) error {
	if n > uint64(len(r.buf)-r.pos) {
		return r.fail("unexpected end")
	}
	r.pos += int(n)
	return nil
}

// bytes reads a varUint8Array and returns its data.
func (r *reader) bytes() ([]byte, error) {
	n, err := r.uint()
	if err != nil {
		return nil, err
	}
	start := r.pos
	if err := r.skip(n); err != nil {
		return nil, err
	}
	return r.buf[start:r.pos:r.pos], nil
}

// str reads a varString. lib0 decodes it with a fatal TextDecoder, so
// invalid UTF-8 (surrogates included) is an error there too.
func (r *reader) str() ([]byte, error) {
	b, err := r.bytes()
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(b) {
		return nil, r.fail("invalid UTF-8 string")
	}
	return b, nil
}

// json reads a varString that Yjs parses with JSON.parse; orUndefined
// admits ContentJSON's "undefined".
func (r *reader) json(orUndefined bool) error {
	b, err := r.str()
	if err != nil {
		return err
	}
	if !json.Valid(b) && (!orUndefined || string(b) != "undefined") {
		return r.fail("invalid JSON")
	}
	return nil
}

// id reads a (client, clock) pair.
func (r *reader) id() (id, error) {
	client, err := r.uint()
	if err != nil {
		return id{}, err
	}
	clock, err := r.uint()
	return id{client, clock}, err
}

// anyFrame is one open array or object while skipping an Any value.
type anyFrame struct {
	left   uint64
	object bool
}

// skipAny skips one lib0 Any value, iteratively so that deep nesting costs
// heap, not stack.
func (r *reader) skipAny() error {
	var store [8]anyFrame
	stack := append(store[:0], anyFrame{left: 1})
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.left == 0 {
			stack = stack[:len(stack)-1]
			continue
		}
		top.left--
		if top.object {
			if _, err := r.str(); err != nil {
				return err
			}
		}
		t, err := r.byte()
		if err != nil {
			return err
		}
		switch t {
		case 127, 126, 121, 120: // undefined, null, false, true
		case 125: // integer
			err = r.skipInt()
		case 124: // float32
			err = r.skip(4)
		case 123, 122: // float64, bigint64
			err = r.skip(8)
		case 119: // string
			_, err = r.str()
		case 118, 117: // object, array
			var n uint64
			if n, err = r.uint(); err == nil {
				stack = append(stack, anyFrame{left: n, object: t == 118})
			}
		case 116: // Uint8Array
			_, err = r.bytes()
		default:
			return r.fail(fmt.Sprintf("unknown Any type %d", t))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// update is one parsed update: its structs (Skips left out, as
// Y.mergeUpdates filters them) and its delete set.
type update struct {
	blocks []block
	ds     []deleteRange
}

// deleteRange is one entry of a delete set.
type deleteRange struct {
	client, clock, length uint64
}

// Validate reports whether update is a well-formed v1 update, reading it
// the way Yjs does; the error wraps ErrMalformed. Bytes after the delete set
// are ignored, as Yjs ignores them.
func Validate(update []byte) error {
	_, err := parse(update, &arena{})
	return err
}

// arena holds the structs and deletes of several updates, so that reading
// many small ones costs a few growing allocations instead of some per
// update. Slices handed out stay valid when it grows.
type arena struct {
	blocks []block
	ds     []deleteRange
}

func parse(b []byte, a *arena) (update, error) {
	r := &reader{buf: b}
	bstart, dstart := len(a.blocks), len(a.ds)
	groups, err := r.uint()
	if err != nil {
		return update{}, err
	}
	for range groups {
		if err := r.group(a); err != nil {
			return update{}, err
		}
	}
	if err := r.deleteSet(a); err != nil {
		return update{}, err
	}
	return update{
		blocks: a.blocks[bstart:len(a.blocks):len(a.blocks)],
		ds:     a.ds[dstart:len(a.ds):len(a.ds)],
	}, nil
}

// group reads one client's run of structs.
func (r *reader) group(a *arena) error {
	n, err := r.uint()
	if err != nil {
		return err
	}
	client, err := r.uint()
	if err != nil {
		return err
	}
	clock, err := r.uint()
	if err != nil {
		return err
	}
	for range n {
		b, err := r.block(client, clock)
		if err != nil {
			return err
		}
		if clock += b.length; clock > maxSafe {
			return r.fail("clock out of range")
		}
		if b.kind != kindSkip {
			a.blocks = append(a.blocks, b)
		}
	}
	return nil
}

// Info byte of a struct: the low 5 bits are the content ref (0 GC, 10 Skip),
// then whether parentSub, rightOrigin and origin follow.
const (
	bitParentSub = 0x20
	bitRight     = 0x40
	bitOrigin    = 0x80
	refMask      = 0x1f
	refSkip      = 10
)

// block reads one struct starting at (client, clock).
func (r *reader) block(client, clock uint64) (block, error) {
	b := block{client: client, clock: clock}
	info, err := r.byte()
	if err != nil {
		return b, err
	}
	switch {
	case info == refSkip:
		b.kind = kindSkip
		b.length, err = r.uint()
		return b, err
	case info&refMask == 0:
		b.kind = kindGC
		b.length, err = r.uint()
		return b, err
	}
	b.kind = kindItem
	if info&bitOrigin != 0 {
		if b.origin, err = r.id(); err != nil {
			return b, err
		}
		b.flags |= hasOrigin
	}
	if info&bitRight != 0 {
		if b.rightOrigin, err = r.id(); err != nil {
			return b, err
		}
		b.flags |= hasRight
	}
	if info&(bitOrigin|bitRight) == 0 {
		if err := r.parent(&b, info); err != nil {
			return b, err
		}
	}
	err = r.content(&b, info&refMask)
	return b, err
}

// parent reads where an item without origins lives: a root type's name or
// the id of the item holding its parent type, then the map key if any.
func (r *reader) parent(b *block, info byte) error {
	isKey, err := r.uint()
	if err != nil {
		return err
	}
	if isKey == 1 {
		if b.parentKey, err = r.str(); err != nil {
			return err
		}
		b.flags |= parentIsKey
	} else {
		if b.parentID, err = r.id(); err != nil {
			return err
		}
		b.flags |= parentIsID
	}
	if info&bitParentSub != 0 {
		if b.parentSub, err = r.str(); err != nil {
			return err
		}
		b.flags |= hasParentSub
	}
	return nil
}

// Content refs (Item.js contentRefs).
const (
	refDeleted = 1
	refJSON    = 2
	refBinary  = 3
	refString  = 4
	refEmbed   = 5
	refFormat  = 6
	refType    = 7
	refAny     = 8
	refDoc     = 9
)

// Type refs of ContentType; XmlElement and XmlHook carry a name.
const (
	typeXmlElement = 3
	typeXmlHook    = 5
	typeLast       = 6
)

// content reads an item's content and sets its length.
func (r *reader) content(b *block, ref byte) error {
	b.content.ref = ref
	start := r.pos
	var err error
	switch ref {
	case refDeleted:
		b.length, err = r.uint()
		return err
	case refJSON, refAny:
		return r.elements(b, ref)
	case refString:
		if b.content.raw, err = r.str(); err != nil {
			return err
		}
		b.length = utf16Len(b.content.raw)
		return nil
	case refBinary:
		_, err = r.bytes()
	case refEmbed:
		err = r.json(false)
	case refFormat:
		if _, err = r.str(); err == nil {
			err = r.json(false)
		}
	case refType:
		var t uint64
		if t, err = r.uint(); err == nil {
			switch {
			case t > typeLast:
				err = r.fail(fmt.Sprintf("unknown type ref %d", t))
			case t == typeXmlElement || t == typeXmlHook:
				_, err = r.str()
			}
		}
	case refDoc:
		if _, err = r.str(); err == nil {
			err = r.skipAny()
		}
	default:
		return r.fail(fmt.Sprintf("unknown content ref %d", ref))
	}
	// Content that is never split nor merged is kept as it arrived.
	b.content.raw = r.buf[start:r.pos:r.pos]
	b.length = 1
	return err
}

// elements reads the elements of JSON or Any content, each kept encoded.
func (r *reader) elements(b *block, ref byte) error {
	n, err := r.uint()
	if err != nil {
		return err
	}
	// Each element takes at least one byte: a count larger than what is
	// left is an error, and never a large allocation.
	if n > uint64(len(r.buf)-r.pos) {
		return r.fail("unexpected end")
	}
	elems := make([][]byte, 0, n)
	for range n {
		start := r.pos
		if ref == refJSON {
			err = r.json(true)
		} else {
			err = r.skipAny()
		}
		if err != nil {
			return err
		}
		elems = append(elems, r.buf[start:r.pos:r.pos])
	}
	b.content.elems = elems
	b.length = n
	return nil
}

// deleteSet reads a delete set.
func (r *reader) deleteSet(a *arena) error {
	clients, err := r.uint()
	if err != nil {
		return err
	}
	for range clients {
		client, err := r.uint()
		if err != nil {
			return err
		}
		n, err := r.uint()
		if err != nil {
			return err
		}
		for range n {
			clock, err := r.uint()
			if err != nil {
				return err
			}
			length, err := r.uint()
			if err != nil {
				return err
			}
			a.ds = append(a.ds, deleteRange{client, clock, length})
		}
	}
	return nil
}
