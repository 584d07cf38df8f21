package main

import (
	"flag"
	"fmt"
	"log"
	"os/exec"
	"strings"

	"github.com/securityprofiles/operator/internal/seccomp"
	"github.com/securityprofiles/operator/internal/seccompfilter"
)

const recordHelp = `NAME:
   spoc record - run a command and record the security profile

USAGE:
   spoc record [command options] COMMAND [ARGS...]

   The command, its threads, children and orphaned descendants are recorded
   from their first instruction until the last of them exits or, with
   --no-proc-start, until spoc gets SIGINT or SIGTERM. Ctrl-C stops the
   command and still writes the profile. Unless -q, a line on stderr tells
   every 5 seconds how long the recording runs and how many different
   syscalls it saw. spoc exits with the command's exit code. Needs root
   (CAP_BPF and CAP_PERFMON) and a kernel with BTF.

   COMMAND runs with spoc's user, groups and capabilities. spoc traces
   COMMAND's execve, so, as under any debugger, a set-user-ID COMMAND is
   elevated only when spoc runs as root or has CAP_SYS_PTRACE.

OPTIONS:
   -o, --output-file FILE   where to write the profile, - for stdout
                            (default: /tmp/profile.yaml, or /tmp/profile.json
                            with -t raw-seccomp)
   -t, --type TYPE          seccomp or crd (SeccompProfile YAML), or
                            raw-seccomp (OCI JSON) (default: seccomp)
   -n, --no-base-syscalls   do not add the syscalls a container runtime needs
   -b, --base-syscalls LIST comma-separated syscalls to add instead of the
                            container runtime's base set
       --no-proc-start      record until SIGINT or SIGTERM (Ctrl-C), not
                            until the command and its descendants exited
       --privileged         accepted for compatibility; spoc record never
                            drops the command's privileges
   -q, --quiet              no progress lines
   -h, --help               show this help
`

// recordOptions are the parsed flags of spoc record.
type recordOptions struct {
	output   string
	format   seccomp.Format
	noBase   bool
	base     []string
	command  []string
	fullPath string
	// noProcStart: record until SIGINT or SIGTERM, not until the
	// command's process tree is gone.
	noProcStart bool
	quiet       bool
}

func record(args []string, logger *log.Logger) int {
	opts, code := parseRecord(args)
	if code >= 0 {
		return code
	}
	out, err := openOutput(opts.output)
	if err != nil {
		return fail("record", exitFailed, "%v", err)
	}
	defer out.abort()

	res, status, err := recordCommand(opts, logger)
	if err != nil {
		return fail("record", exitFailed, "%v", err)
	}
	data, err := buildProfile(opts, res, logger)
	if err == nil {
		err = out.commit(data)
	}
	if err != nil {
		return fail("record", exitFailed, "%v", err)
	}
	if opts.output != "-" {
		logger.Printf("Wrote seccomp profile to: %s", opts.output)
	}
	return status
}

// parseRecord parses and checks the flags; it returns an exit code >= 0
// when spoc should stop.
func parseRecord(args []string) (recordOptions, int) {
	var opts recordOptions
	var format, base string
	var privileged bool
	fs := flag.NewFlagSet("record", flag.ContinueOnError)
	for _, n := range []string{"o", "output-file"} {
		fs.StringVar(&opts.output, n, "", "")
	}
	for _, n := range []string{"t", "type"} {
		fs.StringVar(&format, n, typeSeccomp, "")
	}
	for _, n := range []string{"n", "no-base-syscalls"} {
		fs.BoolVar(&opts.noBase, n, false, "")
	}
	for _, n := range []string{"b", "base-syscalls"} {
		fs.StringVar(&base, n, "", "")
	}
	fs.BoolVar(&opts.noProcStart, "no-proc-start", false, "")
	// Upstream runs the command as the sudo user unless --privileged;
	// spoc record always runs it with spoc's own credentials.
	fs.BoolVar(&privileged, "privileged", false, "")
	for _, n := range []string{"q", "quiet"} {
		fs.BoolVar(&opts.quiet, n, false, "")
	}
	if code := parseFlags(fs, recordHelp, args); code >= 0 {
		return opts, code
	}
	var ok bool
	if opts.format, ok = parseType(format); !ok {
		return opts, fail("record", exitUsage, "unknown type %q: use %s", format, typeNames)
	}
	if opts.noBase && base != "" {
		return opts, fail("record", exitUsage, "-n and -b exclude each other")
	}
	if code := parseBase(&opts, base); code >= 0 {
		return opts, code
	}
	opts.command = fs.Args()
	if len(opts.command) == 0 {
		return opts, fail("record", exitUsage, "missing command (usage: spoc record [options] COMMAND [ARGS...])")
	}
	if opts.output == "" {
		opts.output = defaultOutput(opts.format)
	}
	path, err := exec.LookPath(opts.command[0])
	if err != nil {
		return opts, fail("record", exitFailed, "command %s: %v", opts.command[0], err)
	}
	opts.fullPath = path
	return opts, -1
}

// parseBase checks a -b list against the native syscall table, so a
// typo is reported before the command runs.
func parseBase(opts *recordOptions, list string) int {
	if list == "" {
		return -1
	}
	for _, n := range strings.Split(list, ",") {
		if n = strings.TrimSpace(n); n != "" {
			opts.base = append(opts.base, n)
		}
	}
	arch, err := seccompfilter.NativeArch()
	if err != nil {
		return fail("record", exitFailed, "%v", err)
	}
	unknown, err := seccompfilter.UnknownNames(arch, opts.base)
	if err != nil {
		return fail("record", exitFailed, "%v", err)
	}
	if len(unknown) > 0 {
		return fail("record", exitUsage, "unknown syscalls in -b: %s", strings.Join(unknown, ", "))
	}
	return -1
}

// buildProfile names the recorded syscalls, adds execve and the base
// set, and encodes the profile.
func buildProfile(opts recordOptions, res recorded, logger *log.Logger) ([]byte, error) {
	arch, err := seccompfilter.NativeArch()
	if err != nil {
		return nil, err
	}
	named, err := seccompfilter.Names(arch, res.IDs)
	if err != nil {
		return nil, err
	}
	reportGaps(named, res, logger)
	// The command's own execve ran before it was registered.
	names := seccomp.Union(named.Names, []string{"execve"})
	switch {
	case len(opts.base) > 0:
		logger.Printf("Adding base syscalls: %s", strings.Join(opts.base, ", "))
		names = seccomp.Union(names, opts.base)
	case !opts.noBase:
		base := seccomp.BaseSyscalls()
		logger.Printf("Adding base syscalls: %s", strings.Join(base, ", "))
		names = seccomp.Union(names, base)
	}
	p := seccomp.AllowList(names, []string{arch})
	return encode(opts.format, seccomp.ProfileName(opts.command[0]), p)
}

// reportGaps logs everything that keeps the profile from being exactly
// what the command did, instead of dropping it silently.
func reportGaps(named seccompfilter.Resolved, res recorded, logger *log.Logger) {
	if len(named.NotInLibseccomp) > 0 {
		logger.Printf("Warning: syscalls unknown to libseccomp %s are in the profile; runtimes with an older libseccomp reject them: %s",
			seccompfilter.LibraryVersion(), strings.Join(named.NotInLibseccomp, ", "))
	}
	if len(named.Unknown) > 0 {
		logger.Printf("Warning: syscall numbers without a name could not be added to the profile: %s", fmt.Sprint(named.Unknown))
	}
	if res.OutOfRange > 0 {
		logger.Printf("Warning: %d syscalls with numbers beyond the recorder's table (e.g. x32) were not recorded", res.OutOfRange)
	}
	if res.LostTasks > 0 {
		logger.Printf("Warning: %d tasks could not be followed (recorder map full); the profile may be incomplete", res.LostTasks)
	}
}
