package scenarios

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ErrSet is wrapped by every error of Set.
var ErrSet = errors.New("scenarios: bad --set")

// Set changes one field of s, addressed by a dotted path of YAML field names
// and list indexes (`stampede run --set key=value`):
//
//	phases.0.rate=500                 (phases[0].rate=500 works too)
//	client.heartbeat=15s
//	client.reconnect.delay_max=10s
//	vars.room=c0002                   (a map key: created when absent)
//	flows.1.weight=0
//	flows.0.steps.2.emit.timeout=5s   (the step must be an emit)
//	target.urls=http://a:8080,http://b:8080
//	phases.0={kind: hold, duration: 10s}
//
// A string field takes the value as it is. Any other field parses it as
// YAML and decodes it like Load would (durations as Go durations, lists,
// mappings, whole steps). A list of scalars also takes comma-separated
// values; a value starting with [ is a YAML list. A list index must exist
// (Set changes lists, it does not grow them: set the whole list instead).
// Set works over the schema by reflection, so new fields need no code here.
// Validate the scenario afterwards.
func Set(s *Scenario, path, value string) error {
	segs := strings.Split(strings.NewReplacer("[", ".", "]", "").Replace(path), ".")
	for _, seg := range segs {
		if seg == "" {
			return fmt.Errorf("%w %s=%s: want a dotted path such as client.heartbeat or phases.0.rate", ErrSet, path, value)
		}
	}
	c := s.Clone() // a failed Set leaves s as it was
	if err := set(reflect.ValueOf(c).Elem(), segs, value, ""); err != nil {
		return fmt.Errorf("%w %s=%s: %v", ErrSet, path, value, err)
	}
	*s = *c
	return nil
}

// set walks v (addressable) along segs and assigns value at the end; at
// is the path walked so far, for messages.
func set(v reflect.Value, segs []string, value, at string) error {
	if len(segs) == 0 {
		return assign(v, value, at)
	}
	seg, rest := segs[0], segs[1:]
	next := join(at, seg)
	t := v.Type()
	switch {
	case t == stepType:
		f, ok := lookup(stepKinds, seg)
		if !ok {
			return fmt.Errorf("%s: unknown step kind %q (want one of %s)", at, seg, stepKindNames())
		}
		if kind := stepKindOf(v); kind != "" && kind != seg {
			return fmt.Errorf("%s is a %s step, not %s", at, kind, seg)
		}
		fv := v.Field(f.index)
		if len(rest) == 0 {
			return assign(fv, value, next)
		}
		if fv.IsNil() {
			fv.Set(reflect.New(f.typ.Elem()))
		}
		return set(fv.Elem(), rest, value, next)
	case t.Kind() == reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return set(v.Elem(), segs, value, at)
	case t.Kind() == reflect.Struct:
		fields := fieldsOf(t)
		f, ok := lookup(fields, seg)
		if !ok {
			where := at
			if where == "" {
				where = "a scenario"
			}
			return fmt.Errorf("%s has no field %q (%s)", where, seg, wantFields(fields))
		}
		return set(v.Field(f.index), rest, value, next)
	case t.Kind() == reflect.Slice:
		i, err := strconv.Atoi(seg)
		if err != nil {
			return fmt.Errorf("%s is a list: want an index, got %q", at, seg)
		}
		if i < 0 || i >= v.Len() {
			return fmt.Errorf("%s: index %d out of range (the list has %d)", at, i, v.Len())
		}
		return set(v.Index(i), rest, value, next)
	case t.Kind() == reflect.Map:
		return setMapKey(v, segs, value, at)
	case t.Kind() == reflect.Interface:
		return setInData(v, segs, value, at)
	}
	return fmt.Errorf("%s is a %s: it has no field %q", at, kindName(t), seg)
}

// setMapKey sets one key of a map field (vars, data, params). The key is
// the next segment; in a map of plain values it is the rest of the path, so
// that keys may hold dots.
func setMapKey(v reflect.Value, segs []string, value, at string) error {
	t := v.Type()
	key, rest := segs[0], segs[1:]
	if k := t.Elem().Kind(); k != reflect.Interface && k != reflect.Struct && k != reflect.Pointer {
		key, rest = strings.Join(segs, "."), nil
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(t))
	}
	elem := reflect.New(t.Elem()).Elem()
	if old := v.MapIndex(reflect.ValueOf(key)); old.IsValid() {
		elem.Set(old)
	} else if len(rest) > 0 {
		return fmt.Errorf("%s has no key %q", at, key)
	}
	if err := set(elem, rest, value, join(at, key)); err != nil {
		return err
	}
	v.SetMapIndex(reflect.ValueOf(key), elem)
	return nil
}

// setInData walks free-form data (args, expect, params): mappings by key,
// lists by index.
func setInData(v reflect.Value, segs []string, value, at string) error {
	seg := segs[0]
	switch x := v.Interface().(type) {
	case map[string]any:
		return setMapKey(reflect.ValueOf(x), segs, value, at)
	case []any:
		i, err := strconv.Atoi(seg)
		if err != nil {
			return fmt.Errorf("%s is a list: want an index, got %q", at, seg)
		}
		if i < 0 || i >= len(x) {
			return fmt.Errorf("%s: index %d out of range (the list has %d)", at, i, len(x))
		}
		return set(reflect.ValueOf(x).Index(i), segs[1:], value, join(at, seg))
	}
	return fmt.Errorf("%s is not a mapping or a list: it has no field %q", at, seg)
}

// assign decodes value into v like Load would; a string field takes it verbatim.
func assign(v reflect.Value, value, at string) error {
	if v.Kind() == reflect.String {
		v.SetString(value)
		return nil
	}
	n, err := valueNode(value, v.Type())
	if err != nil {
		return err
	}
	d := newDecoder("", nil)
	tmp := reflect.New(v.Type()).Elem()
	d.decode(n, tmp, at, 0)
	if len(d.errs) > 0 {
		msgs := make([]string, len(d.errs))
		for i, e := range d.errs {
			msgs[i] = e.Msg
			if e.Field != at && e.Field != "" {
				msgs[i] = e.Field + ": " + e.Msg
			}
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	v.Set(tmp)
	return nil
}

// valueNode parses a --set value as YAML for a field of type t; for a list
// of scalars, a value not starting with [ is comma-separated.
func valueNode(value string, t reflect.Type) (*yaml.Node, error) {
	if t.Kind() == reflect.Slice && isScalar(t.Elem()) && value != "" && !strings.HasPrefix(strings.TrimSpace(value), "[") {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, part := range strings.Split(value, ",") {
			part = strings.TrimSpace(part)
			n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: part}
			if t.Elem().Kind() != reflect.String {
				var err error
				if n, err = parseValue(part); err != nil {
					return nil, err
				}
			}
			seq.Content = append(seq.Content, n)
		}
		return seq, nil
	}
	return parseValue(value)
}

func parseValue(value string) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(value), &doc); err != nil {
		return nil, fmt.Errorf("not a YAML value: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}, nil
	}
	return doc.Content[0], nil
}

func isScalar(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64:
		return true
	}
	return false
}

func kindName(t reflect.Type) string {
	switch {
	case t == durationType:
		return "duration"
	case t.Kind() == reflect.Float64:
		return "number"
	case t.Kind() == reflect.Int:
		return "integer"
	}
	return t.Kind().String()
}
