package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"text/template"
	"unicode/utf8"

	"github.com/stampede-sio/stampede/scenarios"
)

// value is one compiled piece of free-form scenario data (emit args,
// expect, wait_for match, control params): its static parts are marshalled
// once at setup, its templates parsed once, so that a send renders only what
// changes.
type value struct {
	kind  valueKind
	raw   json.RawMessage    // static: the JSON
	lit   any                // static: the Go value (shared: never modify)
	tmpl  *template.Template // tmpl: a string template
	bin   []byte             // binary: the bytes sent for {{bytes N}}, drawn once
	keys  []string           // object: sorted keys
	elems []*value           // object values (in keys order) or array elements

	// perUse: the value depends on the iteration, the clock or randomness
	// and is rendered at every use; otherwise it is the same for every use
	// by one client and may be rendered once per client.
	perUse bool
	binary bool // holds binary bytes somewhere: sent as a BINARY_EVENT
}

type valueKind uint8

const (
	valueStatic valueKind = iota
	valueTemplate
	valueBinary
	valueObject
	valueArray
)

// perUseMarkers are what makes a template's output change between uses by
// one client: the loop iteration and the functions of randomness and time.
// The test is textual, so a false positive ({{.Vars.now_ms}}) only costs a
// render per use.
var perUseMarkers = []string{".Iteration", "now_ms", "rand_int", "rand_id", "bytes"}

// compileValue compiles x, the YAML value at field (for messages).
func compileValue(field string, x any) (*value, error) {
	switch x := x.(type) {
	case string:
		if n, ok := scenarios.BinaryArg(x); ok {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(rand.Uint32())
			}
			return &value{kind: valueBinary, bin: b, binary: true, perUse: false}, nil
		}
		if scenarios.IsTemplate(x) {
			t, err := scenarios.ParseTemplate(field, x)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", field, err)
			}
			text := t.Tree.Root.String()
			perUse := false
			for _, m := range perUseMarkers {
				perUse = perUse || strings.Contains(text, m)
			}
			return &value{kind: valueTemplate, tmpl: t, perUse: perUse}, nil
		}
	case map[string]any:
		v := &value{kind: valueObject}
		v.keys = slices.Sorted(mapKeys(x))
		for _, k := range v.keys {
			e, err := compileValue(field+"."+k, x[k])
			if err != nil {
				return nil, err
			}
			v.add(e)
		}
		return v.settle(x)
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = e
		}
		return compileValue(field, m)
	case []any:
		v := &value{kind: valueArray}
		for i, e := range x {
			c, err := compileValue(fmt.Sprintf("%s[%d]", field, i), e)
			if err != nil {
				return nil, err
			}
			v.add(c)
		}
		return v.settle(x)
	}
	raw, err := json.Marshal(x)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return &value{kind: valueStatic, raw: raw, lit: x}, nil
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (v *value) add(e *value) {
	v.elems = append(v.elems, e)
	v.perUse = v.perUse || e.perUse
	v.binary = v.binary || e.binary
}

// settle turns a container without templates or binary into a static value.
func (v *value) settle(x any) (*value, error) {
	for _, e := range v.elems {
		if e.kind != valueStatic {
			return v, nil
		}
	}
	raw, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	return &value{kind: valueStatic, raw: raw, lit: x}, nil
}

// static reports whether v renders the same for every client and use.
func (v *value) static() bool { return v.kind == valueStatic }

// bufPool holds template output buffers: a client keeps none between sends.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// appendJSON renders v as JSON onto dst. v must not hold binary.
func (v *value) appendJSON(dst []byte, td *scenarios.TemplateData) ([]byte, error) {
	switch v.kind {
	case valueStatic:
		return append(dst, v.raw...), nil
	case valueTemplate:
		buf := bufPool.Get().(*bytes.Buffer)
		buf.Reset()
		err := v.tmpl.Execute(buf, td)
		if err == nil {
			dst = appendJSONString(dst, buf.Bytes())
		}
		bufPool.Put(buf)
		return dst, err
	case valueObject:
		dst = append(dst, '{')
		for i, k := range v.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, []byte(k))
			dst = append(dst, ':')
			var err error
			if dst, err = v.elems[i].appendJSON(dst, td); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case valueArray:
		dst = append(dst, '[')
		for i, e := range v.elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = e.appendJSON(dst, td); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
	return dst, fmt.Errorf("binary data where JSON is due")
}

// render returns v as a Go value: strings rendered, binary as []byte. A
// static value is returned as it is, shared: callers must not modify it.
func (v *value) render(td *scenarios.TemplateData) (any, error) {
	switch v.kind {
	case valueStatic:
		return v.lit, nil
	case valueBinary:
		return v.bin, nil
	case valueTemplate:
		buf := bufPool.Get().(*bytes.Buffer)
		buf.Reset()
		err := v.tmpl.Execute(buf, td)
		s := buf.String()
		bufPool.Put(buf)
		return s, err
	case valueObject:
		m := make(map[string]any, len(v.keys))
		for i, k := range v.keys {
			e, err := v.elems[i].render(td)
			if err != nil {
				return nil, err
			}
			m[k] = e
		}
		return m, nil
	}
	a := make([]any, len(v.elems))
	for i, e := range v.elems {
		x, err := e.render(td)
		if err != nil {
			return nil, err
		}
		a[i] = x
	}
	return a, nil
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 is replaced,
// as encoding/json does.
func appendJSONString(dst, s []byte) []byte {
	if !utf8.Valid(s) {
		b, _ := json.Marshal(string(s))
		return append(dst, b...)
	}
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i, c := range s {
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
