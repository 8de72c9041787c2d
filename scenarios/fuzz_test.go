package scenarios

import (
	"bytes"
	"testing"
)

// FuzzLoad: no input makes Load, Validate, WithDefaults or Scale panic.
func FuzzLoad(f *testing.F) {
	for _, name := range BuiltinNames() {
		data, err := builtinFiles.ReadFile(name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		minimal, setBase, "", "- a", "a: &x [*x]", "name: [", "flows:\n  - steps:\n      - loop: {count: 1, steps: [disconnect]}\n",
		"phases:\n  - {kind: arrival, rate: 1e308, duration: 1h}\n", "vars: &a {x: *a}\n", "flows: [{steps: [{emit: {args: [!!binary aGk=]}}]}]",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Load("fuzz.yaml", bytes.NewReader(data))
		if err != nil {
			if s != nil {
				t.Fatal("a scenario with an error")
			}
			if err.Error() == "" {
				t.Fatal("an empty error message")
			}
			return
		}
		_ = s.Validate()
		_ = s.WithDefaults()
		_ = Scale(s, 7, 3e9)
	})
}
