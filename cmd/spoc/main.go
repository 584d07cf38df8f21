package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
)

// Exit codes of spoc's own failures; any other code is the command's.
const (
	exitUsage  = 2
	exitFailed = 125
)

const usage = `NAME:
   spoc - Security Profiles Operator CLI

USAGE:
   spoc command [command options] [arguments...]

COMMANDS:
   version, v  display detailed version information
   record, r   run a command and record the security profile
   run, x      run a command using a security profile
   merge, m    merge seccomp profiles into one (-c: check a file is up to date)
   help, h     Shows a list of commands or help for one command

Run 'spoc help COMMAND' or 'spoc COMMAND --help' for a command's options.
`

// command is one subcommand: its help text and what it does with its
// arguments, returning the exit code.
type command struct {
	help string
	run  func(args []string, logger *log.Logger) int
	// logsBuild: the command logs the build line before it starts
	// (commands that log at all; not version, whose output is the build).
	logsBuild bool
}

var commands = map[string]*command{
	"record": {help: recordHelp, run: record, logsBuild: true},
	"run":    {help: runHelp, run: run, logsBuild: true},
	// Not logsBuild: merge -c's stderr is its one-line verdict.
	"merge": {help: mergeHelp, run: merge},
	// The child of spoc run --audit; not listed in the usage.
	auditExecCommand: {help: runHelp, run: auditExec},
	"version": {help: versionHelp, run: func(args []string, _ *log.Logger) int {
		return printVersion(args, os.Stdout)
	}},
}

var aliases = map[string]string{"r": "record", "x": "run", "m": "merge", "v": "version"}

func main() {
	os.Exit(dispatch(os.Args[1:]))
}

// dispatch picks the subcommand; logs go to stderr, data to files or
// stdout.
func dispatch(args []string) int {
	logger := log.New(os.Stderr, "", log.LstdFlags)
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "--help", "-help":
		fmt.Fprint(os.Stdout, usage)
		return 0
	case "help", "h":
		return help(args[1:])
	}
	cmd, ok := lookup(name)
	if !ok {
		fmt.Fprintf(os.Stderr, "spoc: unknown command %q (see spoc --help)\n", name)
		return exitUsage
	}
	if cmd.logsBuild && !wantsHelp(args[1:]) {
		logBuild(logger)
	}
	return cmd.run(args[1:], logger)
}

// wantsHelp reports whether a subcommand is asked for its help only.
func wantsHelp(args []string) bool {
	return len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help")
}

func lookup(name string) (*command, bool) {
	if full, ok := aliases[name]; ok {
		name = full
	}
	cmd, ok := commands[name]
	return cmd, ok
}

func help(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stdout, usage)
		return 0
	}
	cmd, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(os.Stderr, "spoc: unknown command %q (see spoc --help)\n", args[0])
		return exitUsage
	}
	fmt.Fprint(os.Stdout, cmd.help)
	return 0
}

// parseFlags parses a subcommand's flags; help is printed to stdout. It
// returns the exit code to stop with, or -1 to go on.
func parseFlags(fs *flag.FlagSet, helpText string, args []string) int {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(os.Stdout, helpText)
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "spoc %s: %v (see spoc %s --help)\n", fs.Name(), err, fs.Name())
		return exitUsage
	}
	return -1
}

// parseInterspersed is parseFlags for a subcommand whose operands are
// files, not a command line: flags may also follow operands, and
// everything after "--" is an operand. It returns the operands.
func parseInterspersed(fs *flag.FlagSet, helpText string, args []string) ([]string, int) {
	var operands []string
	for {
		if code := parseFlags(fs, helpText, args); code >= 0 {
			return nil, code
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return operands, -1
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(operands, rest...), -1
		}
		operands = append(operands, rest[0])
		args = rest[1:]
	}
}

// fail prints a one-line error for a subcommand and returns code.
func fail(cmd string, code int, format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "spoc %s: %s\n", cmd, fmt.Sprintf(format, args...))
	return code
}
