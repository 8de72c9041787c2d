package scenarios

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// The built-in scenarios are the plain files of this folder, embedded so
// that `stampede run connect-storm` works from any directory.
//
//go:embed *.yaml
var builtinFiles embed.FS

// BuiltinNames lists the built-in scenarios, sorted.
func BuiltinNames() []string {
	entries, _ := fs.ReadDir(builtinFiles, ".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Builtin loads the built-in scenario name (connect-storm, room-fanout, …).
func Builtin(name string) (*Scenario, error) {
	data, err := builtinFiles.ReadFile(name + ".yaml")
	if err != nil || strings.ContainsAny(name, `/\`) {
		return nil, fmt.Errorf("%w %q (want a file, or one of %s)", ErrUnknownBuiltin, name, strings.Join(BuiltinNames(), ", "))
	}
	return Load(name+".yaml", bytes.NewReader(data))
}
