package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Limits that keep hostile input cheap: aliases can make a small file a
// huge (or cyclic) tree.
const (
	maxNodes  = 1 << 18 // nodes visited per document
	maxDepth  = 100     // nesting
	maxErrors = 100     // problems reported before giving up
)

var (
	durationType = reflect.TypeFor[time.Duration]()
	stepType     = reflect.TypeFor[Step]()
)

// decoder turns a yaml.Node tree into schema values by reflection over the
// yaml tags (so new schema fields need no code here), collecting every
// problem with its line and field path instead of stopping at the first.
type decoder struct {
	file   string
	errs   Errors
	lines  map[string]int // field path → line; nil: not recorded
	budget int            // nodes left to visit
}

func newDecoder(file string, lines map[string]int) *decoder {
	return &decoder{file: file, lines: lines, budget: maxNodes}
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	switch {
	case len(d.errs) == maxErrors:
		d.errs = append(d.errs, Error{File: d.file, Line: n.Line, Msg: "too many problems; stopped"})
		return
	case len(d.errs) > maxErrors:
		return
	}
	d.errs = append(d.errs, Error{File: d.file, Line: n.Line, Field: path, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) record(path string, line int) {
	if d.lines != nil && line > 0 {
		d.lines[path] = line
	}
}

// enter resolves aliases and charges the node to the budget; false: stop here.
func (d *decoder) enter(n *yaml.Node, path string, depth int) (*yaml.Node, bool) {
	if n != nil && n.Kind == yaml.AliasNode {
		use := n
		for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
			if i > maxDepth {
				return nil, false
			}
			n = n.Alias
		}
		if n == nil {
			return nil, false
		}
		c := *n // problems with the whole value point at the alias, inner ones at the anchor's text
		c.Line, c.Column = use.Line, use.Column
		n = &c
	}
	if n == nil {
		return nil, false
	}
	d.budget--
	switch {
	case d.budget == -1:
		d.fail(n, path, "the document is too large (over %d nodes once aliases are expanded)", maxNodes)
		return nil, false
	case d.budget < 0:
		return nil, false
	case depth > maxDepth:
		d.fail(n, path, "nested too deeply (over %d levels)", maxDepth)
		return nil, false
	}
	return n, true
}

// decode sets v (addressable) from n; path names v in messages.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, depth int) {
	n, ok := d.enter(n, path, depth)
	if !ok {
		return
	}
	t := v.Type()
	if t == stepType {
		d.step(n, v, path, depth)
		return
	}
	if isNull(n) {
		v.Set(reflect.Zero(t))
		return
	}
	if t == durationType {
		d.duration(n, v, path)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		d.decode(n, p.Elem(), path, depth+1)
		v.Set(p)
	case reflect.Struct:
		d.structure(n, v, path, depth)
	case reflect.Slice:
		d.list(n, v, path, depth)
	case reflect.Map:
		d.mapping(n, v, path, depth)
	case reflect.Interface:
		if x := d.value(n, path, depth); x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		d.scalar(n, v, path)
	}
}

func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want a duration such as 300ms or 2m, got %s", describe(n))
		return
	}
	dur, err := time.ParseDuration(n.Value)
	if err != nil {
		d.fail(n, path, "%q is not a duration (want e.g. 300ms, 2m)", n.Value)
		return
	}
	v.SetInt(int64(dur))
}

func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) {
	want := map[reflect.Kind]string{reflect.String: "a string", reflect.Bool: "true or false",
		reflect.Int: "an integer", reflect.Float64: "a number"}[v.Kind()]
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want %s, got %s", want, describe(n))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
		return
	case reflect.Bool:
		var b bool
		if n.Decode(&b) == nil {
			v.SetBool(b)
			return
		}
	case reflect.Int:
		var i int
		if n.ShortTag() == "!!int" && n.Decode(&i) == nil {
			v.SetInt(int64(i))
			return
		}
	case reflect.Float64:
		var f float64
		if n.Decode(&f) == nil {
			if !math.IsInf(f, 0) && !math.IsNaN(f) {
				v.SetFloat(f)
				return
			}
			want = "a finite number"
		}
	default:
		d.fail(n, path, "cannot hold a %s (a schema field of an unsupported type)", v.Type())
		return
	}
	d.fail(n, path, "%q is not %s", n.Value, want)
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string, depth int) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping, got %s", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		name, ok := d.key(k, path, seen)
		if !ok {
			continue
		}
		at := join(path, name)
		f, ok := lookup(fields, name)
		if !ok {
			d.fail(k, at, "unknown field (%s)", wantFields(fields))
			continue
		}
		d.record(at, k.Line)
		d.decode(val, v.Field(f.index), at, depth+1)
	}
}

// key checks one mapping key: a plain name, not seen before in this mapping.
func (d *decoder) key(k *yaml.Node, path string, seen map[string]bool) (string, bool) {
	if k.Kind != yaml.ScalarNode {
		d.fail(k, path, "want a name as key, got %s", describe(k))
		return "", false
	}
	if seen[k.Value] {
		d.fail(k, join(path, k.Value), "duplicate key")
		return "", false
	}
	seen[k.Value] = true
	return k.Value, true
}

func (d *decoder) list(n *yaml.Node, v reflect.Value, path string, depth int) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "want a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, c := range n.Content {
		at := fmt.Sprintf("%s[%d]", path, i)
		d.record(at, c.Line)
		d.decode(c, s.Index(i), at, depth+1)
	}
	v.Set(s)
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string, depth int) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping, got %s", describe(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		name, ok := d.key(k, path, seen)
		if !ok {
			continue
		}
		at := join(path, name)
		d.record(at, k.Line)
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, elem, at, depth+1)
		m.SetMapIndex(reflect.ValueOf(name), elem)
	}
	v.Set(m)
}

// value decodes free-form data (args, expect, params) into JSON-ready Go
// values: nil, bool, int, float64, string, []any, map[string]any.
func (d *decoder) value(n *yaml.Node, path string, depth int) any {
	switch n.Kind {
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			at := fmt.Sprintf("%s[%d]", path, i)
			if c, ok := d.enter(c, at, depth+1); ok {
				out = append(out, d.value(c, at, depth+1))
			}
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			name, ok := d.key(n.Content[i], path, seen)
			if !ok {
				continue
			}
			at := join(path, name)
			if c, ok := d.enter(n.Content[i+1], at, depth+1); ok {
				out[name] = d.value(c, at, depth+1)
			}
		}
		return out
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		var i int
		if n.Decode(&i) == nil {
			return i
		}
		d.fail(n, path, "%s does not fit in 64 bits", n.Value)
		return nil
	case "!!float":
		var f float64
		if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
		d.fail(n, path, "%s is not a finite number (JSON has none other)", n.Value)
		return nil
	}
	return n.Value
}

// step decodes a one-key mapping (`emit: {...}`) or a bare step name
// (`disconnect`) into a Step.
func (d *decoder) step(n *yaml.Node, v reflect.Value, path string, depth int) {
	v.Set(reflect.Zero(stepType))
	v.FieldByName("Line").SetInt(int64(n.Line))
	kinds := fieldsOf(stepType)
	switch {
	case n.Kind == yaml.ScalarNode && !isNull(n):
		f, ok := lookup(kinds, n.Value)
		if !ok {
			d.fail(n, path, "unknown step %q (%s)", n.Value, wantFields(kinds))
			return
		}
		d.record(join(path, n.Value), n.Line)
		v.Field(f.index).Set(reflect.New(f.typ.Elem()))
	case n.Kind == yaml.MappingNode && len(n.Content) == 2:
		k, val := n.Content[0], n.Content[1]
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "want a step name as key, got %s", describe(k))
			return
		}
		f, ok := lookup(kinds, k.Value)
		if !ok {
			d.fail(k, path, "unknown step %q (%s)", k.Value, wantFields(kinds))
			return
		}
		at := join(path, k.Value)
		d.record(at, k.Line)
		p := reflect.New(f.typ.Elem())
		if val, ok := d.enter(val, at, depth+1); ok && !isNull(val) {
			d.decode(val, p.Elem(), at, depth+1)
		}
		v.Field(f.index).Set(p)
	case n.Kind == yaml.MappingNode:
		keys := make([]string, 0, len(n.Content)/2)
		for i := 0; i < len(n.Content); i += 2 {
			keys = append(keys, n.Content[i].Value)
		}
		got := "none"
		if len(keys) > 0 {
			got = strings.Join(keys, ", ")
		}
		d.fail(n, path, "a step has exactly one key, the step's kind; got %d (%s)", len(keys), got)
	default:
		d.fail(n, path, "want a step such as `emit: {event: x}` or `disconnect`, got %s", describe(n))
	}
}

// field is one schema field: its YAML name, index and type.
type field struct {
	name  string
	index int
	typ   reflect.Type
}

// fieldsOf lists the YAML fields of a struct type in declaration order.
func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, field{name: name, index: i, typ: f.Type})
	}
	return out
}

func lookup(fields []field, name string) (field, bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

func wantFields(fields []field) string {
	if len(fields) == 0 {
		return "this takes no settings"
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return "want one of " + strings.Join(names, ", ")
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return strconv.Quote(n.Value)
	}
	return "something else"
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
