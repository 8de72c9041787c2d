package simulator

import (
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/stampede-sio/stampede/scenarios"
)

var (
	durationType = reflect.TypeFor[time.Duration]()
	stepType     = reflect.TypeFor[scenarios.Step]()
	phaseType    = reflect.TypeFor[scenarios.Phase]()
)

// scenarioYAML renders s as a scenario file that scenarios.Load reads back
// as s, for the record's config: fields under their YAML names, zero fields
// left out (a zero field is its default), durations as Go durations, steps
// as one-key mappings or, without settings, bare names, phases on one line
// each.
func scenarioYAML(s *scenarios.Scenario) ([]byte, error) {
	n, err := yamlNode(reflect.ValueOf(s).Elem())
	if err != nil {
		return nil, err
	}
	return yaml.Marshal(n)
}

func yamlNode(v reflect.Value) (*yaml.Node, error) {
	switch {
	case v.Type() == durationType:
		return scalarNode(time.Duration(v.Int()).String()), nil
	case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Struct && v.Type().Elem().NumField() == 0:
		return &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}, nil // a step without settings
	case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Struct:
		return yamlNode(v.Elem())
	case v.Kind() == reflect.Struct:
		return structNode(v)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for i := range v.Len() {
			n, err := yamlNode(v.Index(i))
			if err != nil {
				return nil, err
			}
			seq.Content = append(seq.Content, n)
		}
		return seq, nil
	}
	n := new(yaml.Node) // values as they are: strings, numbers, args, maps
	return n, n.Encode(v.Interface())
}

// structNode renders a schema struct's non-zero fields; a step with one
// field that has no settings becomes its bare name.
func structNode(v reflect.Value) (*yaml.Node, error) {
	m := &yaml.Node{Kind: yaml.MappingNode}
	if v.Type() == phaseType {
		m.Style = yaml.FlowStyle
	}
	for i := range v.NumField() {
		f, fv := v.Type().Field(i), v.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" || fv.IsZero() {
			continue
		}
		n, err := yamlNode(fv)
		if err != nil {
			return nil, err
		}
		m.Content = append(m.Content, scalarNode(name), n)
	}
	if v.Type() == stepType && len(m.Content) == 2 && m.Content[1].Kind == yaml.MappingNode && len(m.Content[1].Content) == 0 {
		return m.Content[0], nil
	}
	return m, nil
}

func scalarNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}
