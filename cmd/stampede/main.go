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
	run     func(ctx context.Context, e env, args []string) int
	// runE is a command that returns its error, the exit code riding on
	// it (exitCode); main prints it once. Set run or runE, not both.
	runE func(ctx context.Context, e env, args []string) error
}

// commands is the one explicit map of subcommands.
func commands() map[string]command {
	return map[string]command{
		"capacity": capacityCommand,
		"check":    checkCommand,
		"demo":     demoCommand,
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

func run(ctx context.Context, e env, args []string) int {
	if len(args) == 0 {
		printHelp(e.stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		return helpCommand(e, rest)
	}
	cmd, ok := commands()[name]
	if !ok {
		fmt.Fprintf(e.stderr, "stampede: unknown command %q\n\n", name)
		printHelp(e.stderr)
		return exitUsage
	}
	if cmd.runE == nil {
		return cmd.run(ctx, e, rest)
	}
	err := cmd.runE(ctx, e, rest)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(e.stderr, "stampede %s: %v\n", name, err)
	}
	return exitCode(err)
}

func helpCommand(e env, args []string) int {
	if len(args) == 0 {
		printHelp(e.stdout)
		return exitOK
	}
	if args[0] == "help" {
		fmt.Fprint(e.stdout, helpUsage)
		return exitOK
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "stampede: unknown command %q\n", args[0])
		return exitUsage
	}
	fmt.Fprint(e.stdout, cmd.usage)
	return exitOK
}

const helpUsage = `Usage: stampede help [COMMAND]

Prints the list of commands, or the usage of COMMAND with its flags and
examples (the same as stampede COMMAND --help).

Examples:
  stampede help
  stampede help run
`

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
