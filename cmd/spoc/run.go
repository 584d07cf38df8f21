package main

import (
	"flag"
	"log"
	"os"
	"os/exec"

	"github.com/securityprofiles/operator/internal/seccomp"
	"github.com/securityprofiles/operator/internal/seccompfilter"
)

const runHelp = `NAME:
   spoc run - run a command using a security profile

USAGE:
   spoc run -p FILE COMMAND [ARGS...]

   FILE is a SeccompProfile (YAML or JSON) or an OCI seccomp profile (JSON);
   the format is detected. spoc installs the filter right before it execs
   COMMAND (so the profile must allow execve, as with runc) and becomes it:
   the exit code and output are the command's. A denied syscall fails with
   EPERM, or the profile's errno.

OPTIONS:
   -p, --profile FILE   the seccomp profile to apply
   -h, --help           show this help
`

func run(args []string, logger *log.Logger) int {
	var profile string
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	for _, n := range []string{"p", "profile"} {
		fs.StringVar(&profile, n, "", "")
	}
	if code := parseFlags(fs, runHelp, args); code >= 0 {
		return code
	}
	if profile == "" {
		return fail("run", exitUsage, "missing profile: use -p FILE (see spoc run --help)")
	}
	command := fs.Args()
	if len(command) == 0 {
		return fail("run", exitUsage, "missing command (usage: spoc run -p FILE COMMAND [ARGS...])")
	}
	logger.Printf("Reading file %s", profile)
	data, err := os.ReadFile(profile)
	if err != nil {
		return fail("run", exitFailed, "read profile: %v", err)
	}
	p, _, err := seccomp.Decode(data)
	if err != nil {
		return fail("run", exitFailed, "%s: %v", profile, err)
	}
	path, err := exec.LookPath(command[0])
	if err != nil {
		return fail("run", exitFailed, "command %s: %v", command[0], err)
	}
	logger.Printf("Running command with PID: %d", os.Getpid())
	err = seccompfilter.Exec(p, path, command, os.Environ())
	return fail("run", exitFailed, "%s: %v", profile, err)
}
