package main

import (
	"flag"
	"log"
	"os"
	"os/exec"

	"github.com/securityprofiles/operator/internal/seccompfilter"
)

const runHelp = `NAME:
   spoc run - run a command using a security profile

USAGE:
   spoc run [--audit] [-t TYPE] -p FILE COMMAND [ARGS...]

   FILE is a SeccompProfile (YAML or JSON) or an OCI seccomp profile (JSON);
   the format is detected, and -t crd or -t raw-seccomp insists on one. spoc installs the filter right before it execs
   COMMAND (so the profile must allow execve, as with runc) and becomes it:
   the exit code and output are the command's. A denied syscall fails with
   EPERM, or the profile's errno.

   With --audit nothing is denied: COMMAND runs under the profile's audit
   copy, in which every action that would block a call logs it instead.
   When COMMAND exits, spoc prints to stderr the syscalls the profile would
   have denied, how often, and which executables called them, read from
   the kernel's audit records of a fresh audit session that COMMAND and its
   children share; other processes are not counted. Descendants still
   running after COMMAND exits count only until spoc stops listening. The
   exit code is the command's. Needs root: CAP_AUDIT_READ in the host
   network namespace, and CAP_AUDIT_CONTROL when the login uid is set.

OPTIONS:
   -p, --profile FILE   the seccomp profile to apply
   -t, --type TYPE      seccomp (either format, the default), crd or
                        raw-seccomp; only seccomp profiles can be run
       --audit          run unblocked and report what the profile would deny
   -h, --help           show this help
`

func run(args []string, logger *log.Logger) int {
	var profile, typ string
	var audit bool
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	for _, n := range []string{"p", "profile"} {
		fs.StringVar(&profile, n, "", "")
	}
	for _, n := range []string{"t", "type"} {
		fs.StringVar(&typ, n, typeSeccomp, "")
	}
	fs.BoolVar(&audit, "audit", false, "")
	if code := parseFlags(fs, runHelp, args); code >= 0 {
		return code
	}
	want, ok := parseType(typ)
	if !ok {
		return fail("run", exitUsage, "unsupported type %q: only seccomp profiles can be run (use %s)", typ, typeNames)
	}
	if profile == "" {
		return fail("run", exitUsage, "missing profile: use -p FILE (see spoc run --help)")
	}
	command := fs.Args()
	if len(command) == 0 {
		return fail("run", exitUsage, "missing command (usage: spoc run -p FILE COMMAND [ARGS...])")
	}
	logger.Printf("Reading file %s", profile)
	f, err := readProfile(profile)
	if err != nil {
		return fail("run", exitFailed, "%v", err)
	}
	if typ != typeSeccomp && f.format != want {
		return fail("run", exitFailed, "%s is %s, not %s", profile, f.format, want)
	}
	path, err := exec.LookPath(command[0])
	if err != nil {
		return fail("run", exitFailed, "command %s: %v", command[0], err)
	}
	if audit {
		return runAudit(f.profile, path, command, logger)
	}
	logger.Printf("Running command with PID: %d", os.Getpid())
	err = seccompfilter.Exec(f.profile, path, command, os.Environ())
	return fail("run", exitFailed, "%s: %v", profile, err)
}
