package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxFileSize bounds what Load reads.
const maxFileSize = 16 << 20

// Load reads one scenario in YAML. name is the file name used in messages
// (and, without its extension, the scenario's default Name).
//
// Load checks syntax and types: unknown keys, malformed durations, steps that
// are not one-key mappings, a list where a mapping belongs. Every problem is
// reported at once, as Errors with each problem's line and field path. Load
// does not check meaning: call Validate (after any Set and Scale) for that.
func Load(name string, r io.Reader) (*Scenario, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("scenarios: failed to read %s: %w", name, err)
	}
	if len(data) > maxFileSize {
		return nil, Errors{{File: name, Msg: fmt.Sprintf("larger than %d MiB", maxFileSize>>20)}}
	}
	root, errs := parse(name, data)
	if errs != nil {
		return nil, errs
	}
	s := &Scenario{file: name, lines: map[string]int{}}
	d := newDecoder(name, s.lines)
	d.structure(root, reflect.ValueOf(s).Elem(), "", 0)
	if len(d.errs) > 0 {
		return nil, d.errs
	}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(strings.TrimSuffix(filepath.Base(name), ".yaml"), ".yml")
	}
	return s, nil
}

// LoadFile loads the scenario file at path (see Load); messages name the
// file as path.
func LoadFile(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	defer f.Close()
	return Load(path, f)
}

// Open loads a scenario file when arg names one, else the built-in scenario
// named arg (stampede run connect-storm).
func Open(arg string) (*Scenario, error) {
	if fi, err := os.Stat(arg); err == nil && !fi.IsDir() {
		return LoadFile(arg)
	}
	if !strings.ContainsAny(arg, `/\`) && !strings.HasSuffix(arg, ".yaml") && !strings.HasSuffix(arg, ".yml") {
		return Builtin(arg)
	}
	return LoadFile(arg)
}

// parse reads exactly one YAML document whose root is a mapping.
func parse(name string, data []byte) (root *yaml.Node, errs Errors) {
	defer func() {
		// yaml.v3 is not known to panic on input since v3.0.1; stay safe anyway.
		if r := recover(); r != nil {
			root, errs = nil, Errors{{File: name, Msg: fmt.Sprintf("unreadable YAML: %v", r)}}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: name, Msg: "empty scenario"}}
		}
		return nil, Errors{yamlError(name, err)}
	}
	var more yaml.Node
	switch err := dec.Decode(&more); {
	case err == nil:
		return nil, Errors{{File: name, Line: more.Line, Msg: "a second YAML document (a scenario is one document)"}}
	case !errors.Is(err, io.EOF):
		return nil, Errors{yamlError(name, err)}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, Errors{{File: name, Msg: "empty scenario"}}
	}
	root = doc.Content[0]
	for i := 0; root.Kind == yaml.AliasNode && root.Alias != nil && i < maxDepth; i++ {
		root = root.Alias
	}
	if root.Kind != yaml.MappingNode {
		return nil, Errors{{File: name, Line: root.Line, Msg: "want a mapping of scenario fields (name, phases, flows, …), got " + describe(root)}}
	}
	return root, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a yaml.v3 syntax error into an Error with its line.
func yamlError(name string, err error) Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Error{File: name, Line: line, Msg: m[2]}
	}
	return Error{File: name, Msg: strings.TrimPrefix(msg, "yaml: ")}
}
