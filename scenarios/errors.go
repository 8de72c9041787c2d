package scenarios

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrUnknownBuiltin is returned by Builtin and Open for a name that is no
// built-in scenario.
var ErrUnknownBuiltin = errors.New("scenarios: unknown built-in scenario")

// Error is one problem in a scenario, with its place: the file given to
// Load, the line (0 when unknown, e.g. for a scenario built in Go), and the
// field path in YAML names (flows[0].steps[2].emit.timeout).
type Error struct {
	File  string
	Line  int
	Field string
	Msg   string
}

// Error formats the problem as file:line: field: msg, leaving out what is unknown.
func (e Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		fmt.Fprintf(&b, "%s: ", e.File)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found at once; Load and Validate return it. Its
// message has one line per problem.
type Errors []Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// sortByLine orders problems as they appear in the file; those without a
// line keep their order at the end.
func (es Errors) sortByLine() {
	sort.SliceStable(es, func(i, j int) bool {
		li, lj := es[i].Line, es[j].Line
		if li == 0 || lj == 0 {
			return li != 0 && lj == 0
		}
		return li < lj
	})
}

// err returns es as an error, or nil when there is no problem.
func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}
