package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
)

// changeRules collects repeated --fail-if rules, parsed as they come.
type changeRules []threshold.Change

func (r *changeRules) String() string { return fmt.Sprint(len(*r)) }

func (r *changeRules) Set(v string) error {
	c, err := threshold.ParseChange(v)
	if err != nil {
		return err
	}
	*r = append(*r, c)
	return nil
}

// compareReport is stampede report compare A.json B.json [C.json...]: the
// records side by side, in one format, and the --fail-if rules checked on
// every later record. It returns its error with its exit code (exitCode):
// 2 when it could not compare, 1 when a rule broke (after writing the
// comparison).
func compareReport(e env, args []string) error {
	fs := flag.NewFlagSet("report compare", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var format, out string
	var rules changeRules
	fs.StringVar(&format, "format", "", "")
	fs.StringVar(&out, "out", "", "")
	fs.StringVar(&out, "o", "", "")
	fs.Var(&rules, "fail-if", "")
	paths, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stdout, reportUsage)
		return err
	}
	format = cmp.Or(format, reports.FormatOf(out), reports.FormatText)
	switch {
	case err != nil:
		return usagef("%v", err)
	case len(paths) < 2:
		return usagef("want two records or more to compare, got %d", len(paths))
	case !slices.Contains(reports.CompareFormats, format):
		return usagef("--format %q: want one of %s", format, strings.Join(reports.CompareFormats, ", "))
	}
	runs := make([]*reports.Run, len(paths))
	for i, p := range paths {
		if runs[i], err = reports.ReadRunFile(p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	c, err := reports.Compare(recordNames(paths), runs, rules)
	if err != nil {
		return err
	}
	if err := writeReport(e.stdout, out, func(w io.Writer) error { return c.Write(w, format) }); err != nil {
		return err
	}
	return brokenRules(c)
}

// recordNames names the records by their files' base names, or by their
// paths when two share a base name.
func recordNames(paths []string) []string {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	for i, n := range names {
		if slices.Index(names, n) != i {
			return paths
		}
	}
	return names
}

// brokenRules is exit 1 naming every rule that broke, which record broke
// it and by how much; nil when all held.
func brokenRules(c *reports.Comparison) error {
	var broken []string
	for _, r := range c.Rules {
		if !r.OK {
			broken = append(broken, fmt.Sprintf("%s broke on %s: %s", r.Expr, r.Record, r.Describe()))
		}
	}
	switch len(broken) {
	case 0:
		return nil
	case 1:
		return withCode(exitFailed, errors.New("FAIL: "+broken[0]))
	}
	return withCode(exitFailed, fmt.Errorf("FAIL: %d rules broke:\n  %s", len(broken), strings.Join(broken, "\n  ")))
}
