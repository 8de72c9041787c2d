package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
)

// runCmd runs command name as main does: its error printed once on stderr,
// its exit code returned.
func runCmd(ctx context.Context, e env, name string, args []string) int {
	return run(ctx, e, append([]string{name}, args...))
}

// exitCode is the one mapping of CLI.md's exit codes; a code rides on the
// error through any wrapping.
func TestExitCode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		err  error
		code int
	}{
		{"nil", nil, exitOK},
		{"--help", flag.ErrHelp, exitOK},
		{"--help wrapped", fmt.Errorf("report: %w", flag.ErrHelp), exitOK},
		{"usage", usagef("--vus -1: want a positive number"), exitUsage},
		{"any other error could not run", errors.New("target unreachable"), exitUsage},
		{"failed", withCode(exitFailed, errors.New("FAIL")), exitFailed},
		{"interrupted, wrapped", fmt.Errorf("check: %w", withCode(exitInterrupted, context.Canceled)), exitInterrupted},
	} {
		assert.Equal(t, tt.code, exitCode(tt.err), tt.name)
	}
	assert.ErrorIs(t, withCode(exitInterrupted, context.Canceled), context.Canceled, "the cause stays reachable")
}

// main prints a command's error once, after the command's name; the
// dispatcher's own errors after "stampede".
func TestErrorPrintedOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args   []string
		stderr string // exact, or the start when it ends with …
	}{
		{[]string{"version", "x"}, "stampede version: takes no arguments\n"},
		{[]string{"token", "--user", "u000002", "--expires", "0"}, "stampede token: --expires \"0\": want a positive duration or -1\n"},
		{[]string{"token"}, "stampede token: --user is required and no arguments are taken\n\nUsage: stampede token …"},
		{[]string{"token", "--nope"}, "stampede token: flag provided but not defined: -nope\n"},
		{[]string{"report", "merge"}, "stampede report: merge: want the records to merge\n"},
		{[]string{"report", "a.json", "--format", "pdf"}, "stampede report: --format \"pdf\": want one of …"},
		{[]string{"check", "--list", "--run", "^NOPE-"}, "stampede check: no case selected\n"},
		{[]string{"serve", "--log-level", "loud"}, "stampede serve: --log-level \"loud\": want debug, info, warn or error\n"},
		{[]string{"help", "nope"}, "stampede: unknown command \"nope\"\n"},
		{[]string{"nope"}, "stampede: unknown command \"nope\"\n\nstampede tests …"},
		{nil, "stampede: want a command\n\nstampede tests …"},
	} {
		e, out, errb := testEnv(nil)
		assert.Equal(t, exitUsage, run(context.Background(), e, tt.args), "args %v", tt.args)
		if want, ok := strings.CutSuffix(tt.stderr, "…"); ok {
			assert.True(t, strings.HasPrefix(errb.String(), want), "args %v: %q", tt.args, errb.String())
		} else {
			assert.Equal(t, tt.stderr, errb.String(), "args %v", tt.args)
		}
		prefix, _, _ := strings.Cut(tt.stderr, ":")
		assert.Equal(t, 1, strings.Count(errb.String(), prefix+":"), "args %v: printed once: %q", tt.args, errb.String())
		assert.Empty(t, out.String(), "args %v", tt.args)
	}
}

// A run's record decides its exit: 3 when interrupted, 1 when no client
// connected or a threshold failed (naming them), else 0.
func TestRunVerdict(t *testing.T) {
	t.Parallel()
	connected := reports.HistogramRecord{Metric: threshold.MetricSIOConnect, Count: 5}
	for _, tt := range []struct {
		name string
		rec  reports.Run
		code int
		msg  string
	}{
		{"held", reports.Run{Histograms: []reports.HistogramRecord{connected}, Thresholds: []reports.ThresholdResult{{Expr: "errors == 0", OK: true}}}, exitOK, ""},
		{"a threshold failed", reports.Run{Histograms: []reports.HistogramRecord{connected}, Thresholds: []reports.ThresholdResult{
			{Expr: "errors == 0", OK: true}, {Expr: "starts_dropped == 0", Actual: "12"}}}, exitFailed,
			"FAIL: 1 of 2 thresholds failed: starts_dropped == 0 (actual 12)"},
		{"no client connected", reports.Run{}, exitFailed, "FAIL: no client connected (0 connection attempts, 0 errors)"},
		{"interrupted", reports.Run{Interrupted: true}, exitInterrupted, "interrupted: the partial results were written"},
	} {
		err := runVerdict(&tt.rec)
		assert.Equal(t, tt.code, exitCode(err), tt.name)
		if tt.msg != "" {
			assert.EqualError(t, err, tt.msg, tt.name)
		}
	}
}

// A check fails (exit 1) when a decisive case failed, and says how many.
func TestCheckVerdict(t *testing.T) {
	t.Parallel()
	rec := &reports.Check{Cases: make([]reports.CheckCase, 3), Summary: reports.CheckSummary{Failed: 2, Decisive: 1}}
	err := checkVerdict(rec)
	assert.Equal(t, exitFailed, exitCode(err))
	assert.EqualError(t, err, "FAIL: 1 of 3 cases failed")
	rec.Summary.Decisive = 0
	assert.NoError(t, checkVerdict(rec))
}
