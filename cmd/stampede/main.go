package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes of CLI.md.
const (
	exitOK          = 0
	exitFailed      = 1 // a check or threshold failed
	exitUsage       = 2 // could not run: bad flags, bad input, unreachable target
	exitInterrupted = 3 // a finite command stopped by SIGINT/SIGTERM
)

// env reads the environment; tests replace it.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// terminal reports whether a writer is a terminal; nil: isTerminal.
	// Tests set it to see what a terminal gets.
	terminal func(io.Writer) bool
}

func (e env) isTerminal(w io.Writer) bool {
	if e.terminal != nil {
		return e.terminal(w)
	}
	return isTerminal(w)
}

type command struct {
	summary string
	usage   string
	// runE runs the command and returns its error, the exit code riding on
	// it (exitCode); main prints it once.
	runE func(ctx context.Context, e env, args []string) error
}

// commands is the one explicit map of subcommands.
func commands() map[string]command {
	return map[string]command{
		"capacity": capacityCommand,
		"check":    checkCommand,
		"demo":     {summary: demoSummary, usage: demoUsage, runE: runDemo}, // a literal: demo runs the other commands through commands()
		"report":   reportCommand,
		"run":      runCommand,
		"serve":    serveCommand,
		"sweep":    sweepCommand,
		"token":    tokenCommand,
		"validate": validateCommand,
		"version":  versionCommand,
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:]))
}

// run runs the command args name, prints its error once, after the
// command's name, and returns its exit code.
func run(ctx context.Context, e env, args []string) int {
	prefix, err := dispatch(ctx, e, args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		printError(e.stderr, prefix, err)
	}
	return exitCode(err)
}

// dispatch runs the command args name; prefix is what its error is printed
// after.
func dispatch(ctx context.Context, e env, args []string) (prefix string, err error) {
	if len(args) == 0 {
		return "stampede", usagef("want a command\n\n%s", helpText())
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		return "stampede", helpCommand(e, rest)
	}
	cmd, ok := commands()[name]
	if !ok {
		return "stampede", usagef("unknown command %q\n\n%s", name, helpText())
	}
	return "stampede " + name, cmd.runE(ctx, e, rest)
}

// printError writes a command's error: a scenario's problems one per line
// (printScenarioErrors), any other error after prefix.
func printError(w io.Writer, prefix string, err error) {
	var problems scenarioProblems
	if errors.As(err, &problems) {
		printScenarioErrors(w, prefix, problems)
		return
	}
	fmt.Fprintf(w, "%s: %v\n", prefix, err)
}

func helpCommand(e env, args []string) error {
	if len(args) == 0 {
		printHelp(e.stdout)
		return nil
	}
	if args[0] == "help" {
		fmt.Fprint(e.stdout, helpUsage)
		return nil
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		return usagef("unknown command %q", args[0])
	}
	fmt.Fprint(e.stdout, cmd.usage)
	return nil
}

const helpUsage = `Usage: stampede help [COMMAND]

Prints the list of commands, or the usage of COMMAND with its flags and
examples (the same as stampede COMMAND --help).

Examples:
  stampede help
  stampede help run
`

// helpText is the list of commands, without its last newline: the end of
// an error message.
func helpText() string {
	var b strings.Builder
	printHelp(&b)
	return strings.TrimSuffix(b.String(), "\n")
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, "stampede tests and load-simulates Socket.IO backends such as open-webui's.\n\nUsage:\n  stampede <command> [flags]\n\nCommands:\n")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
	fmt.Fprint(w, "  help      show help for a command: stampede help serve\n")
}

// usageError is a bad flag or value: exit 2 with the message.
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// exitError is an error carrying the exit code of CLI.md it ends the
// command with.
type exitError struct {
	code int
	err  error
}

func (x *exitError) Error() string { return x.err.Error() }
func (x *exitError) Unwrap() error { return x.err }

// withCode gives err the exit code code: exitFailed for a check or
// threshold that failed, exitInterrupted for a run cut short by a signal.
func withCode(code int, err error) error { return &exitError{code: code, err: err} }

// exitCode is the one mapping from a command's error to its exit code: nil
// and --help are 0, an error carrying a code has it, and any other error
// (bad flags or input, an unreachable target) could not run: 2.
func exitCode(err error) int {
	var x *exitError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &x):
		return x.code
	default:
		return exitUsage
	}
}
