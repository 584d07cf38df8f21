package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/securityprofiles/operator/internal/seccomp"
)

// exitOutdated is spoc merge -c's exit code when the file differs from
// the merge result.
const exitOutdated = 1

const mergeHelp = `NAME:
   spoc merge - merge seccomp profiles into one

USAGE:
   spoc merge [command options] PROFILE PROFILE [PROFILE...]

   Each PROFILE is a SeccompProfile (YAML or JSON) or an OCI seccomp profile
   (JSON). The result permits what any of them permits: rules with the
   same action, errno and argument comparisons become one rule with the
   union of their syscall names, other rules are kept with their argument
   comparisons, and architectures and flags are united. All profiles must
   have the same default action (and errno). The result is written in the
   first profile's format unless -t chooses; a SeccompProfile is named
   after the first profile if that is one, else after the output file.

   With -c nothing is written: spoc exits 0 if FILE already holds exactly
   the result, else 1 with a one-line summary of the difference on stderr
   (to check in CI that a committed profile is up to date).

OPTIONS:
   -o, --output-file FILE   where to write the profile, - for stdout
                            (default: /tmp/profile.yaml, or /tmp/profile.json
                            for raw-seccomp)
   -t, --type TYPE          seccomp or crd (SeccompProfile YAML), or
                            raw-seccomp (OCI JSON) (default: the first
                            profile's format)
   -c, --check              do not write FILE; exit 1 if it is not the result
   -h, --help               show this help
`

// mergeOptions are the parsed flags of spoc merge.
type mergeOptions struct {
	output string
	format seccomp.Format // empty: the first profile's
	check  bool
	inputs []string
}

// mergeResult is the merged profile and its encoding.
type mergeResult struct {
	profile seccomp.Profile
	format  seccomp.Format
	data    []byte
}

func merge(args []string, logger *log.Logger) int {
	opts, code := parseMerge(args)
	if code >= 0 {
		return code
	}
	res, err := mergeFiles(&opts)
	if err != nil {
		return fail("merge", exitFailed, "%v", err)
	}
	if opts.check {
		return checkMerged(opts.output, res)
	}
	out, err := openOutput(opts.output)
	if err == nil {
		err = out.commit(res.data)
	}
	if err != nil {
		return fail("merge", exitFailed, "%v", err)
	}
	if opts.output != "-" {
		logger.Printf("Wrote seccomp profile to: %s", opts.output)
	}
	return 0
}

// parseMerge parses and checks the flags; it returns an exit code >= 0
// when spoc should stop.
func parseMerge(args []string) (mergeOptions, int) {
	var opts mergeOptions
	var typ string
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	for _, n := range []string{"o", "output-file"} {
		fs.StringVar(&opts.output, n, "", "")
	}
	for _, n := range []string{"t", "type"} {
		fs.StringVar(&typ, n, "", "")
	}
	for _, n := range []string{"c", "check"} {
		fs.BoolVar(&opts.check, n, false, "")
	}
	inputs, code := parseInterspersed(fs, mergeHelp, args)
	if code >= 0 {
		return opts, code
	}
	if typ != "" {
		var ok bool
		if opts.format, ok = parseType(typ); !ok {
			return opts, fail("merge", exitUsage, "unknown type %q: use %s", typ, typeNames)
		}
	}
	if opts.check && opts.output == "-" {
		return opts, fail("merge", exitUsage, "-c compares with a file: use -o FILE")
	}
	opts.inputs = inputs
	if len(opts.inputs) < 2 {
		return opts, fail("merge", exitUsage, "need at least two profiles (usage: spoc merge [options] PROFILE PROFILE...)")
	}
	return opts, -1
}

// mergeFiles reads, merges and encodes the inputs; it fills in the
// output format and path when the flags left them out.
func mergeFiles(opts *mergeOptions) (mergeResult, error) {
	files := make([]profileFile, len(opts.inputs))
	profiles := make([]seccomp.Profile, len(opts.inputs))
	for i, path := range opts.inputs {
		f, err := readProfile(path)
		if err != nil {
			return mergeResult{}, err
		}
		files[i], profiles[i] = f, f.profile
	}
	if opts.format == "" {
		opts.format = files[0].format
	}
	if opts.output == "" {
		opts.output = defaultOutput(opts.format)
	}
	merged, err := seccomp.Merge(profiles...)
	var mismatch *seccomp.DefaultActionError
	if errors.As(err, &mismatch) {
		return mergeResult{}, fmt.Errorf("default actions differ: %s has %s, %s has %s",
			opts.inputs[mismatch.Index], mismatch.Got, opts.inputs[0], mismatch.Want)
	}
	if err != nil {
		return mergeResult{}, err
	}
	name := files[0].name
	if name == "" {
		base := filepath.Base(opts.output)
		name = seccomp.ProfileName(strings.TrimSuffix(base, filepath.Ext(base)))
	}
	data, err := encode(opts.format, name, merged)
	return mergeResult{profile: merged, format: opts.format, data: data}, err
}

// checkMerged compares the file at path with the merge result.
func checkMerged(path string, want mergeResult) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return fail("merge", exitOutdated, "%s is not the merge result: %v", path, err)
	}
	if bytes.Equal(data, want.data) {
		return 0
	}
	return fail("merge", exitOutdated, "%s is not the merge result: %s", path, describeDiff(data, want))
}

// describeDiff tells in a few words how a profile file differs from the
// merge result.
func describeDiff(data []byte, want mergeResult) string {
	got, format, err := seccomp.Decode(data)
	if err != nil {
		return err.Error()
	}
	got = seccomp.Normalize(got)
	var diffs []string
	if format != want.format {
		diffs = append(diffs, fmt.Sprintf("it is %s, the result %s", format, want.format))
	}
	if got.DefaultAction != want.profile.DefaultAction {
		diffs = append(diffs, fmt.Sprintf("default action %s, the result's %s", got.DefaultAction, want.profile.DefaultAction))
	}
	gotRules, wantRules := ruleEntries(got), ruleEntries(want.profile)
	if missing := minus(wantRules, gotRules); len(missing) > 0 {
		diffs = append(diffs, "missing "+abbreviate(missing))
	}
	if extra := minus(gotRules, wantRules); len(extra) > 0 {
		diffs = append(diffs, "extra "+abbreviate(extra))
	}
	if !slices.Equal(got.Architectures, want.profile.Architectures) {
		diffs = append(diffs, fmt.Sprintf("architectures %v, the result's %v", got.Architectures, want.profile.Architectures))
	}
	if len(diffs) == 0 {
		return "same rules, but a different name, default errno, flags or layout"
	}
	return strings.Join(diffs, "; ")
}

// ruleEntries lists the syscall names of p's rules, each followed by its
// rule's action and conditions unless the rule simply allows it.
func ruleEntries(p seccomp.Profile) []string {
	var entries []string
	for _, s := range p.Syscalls {
		suffix := ruleSuffix(s)
		for _, n := range s.Names {
			entries = append(entries, n+suffix)
		}
	}
	return seccomp.Union(entries)
}

// ruleSuffix is " (ACTION [errno] if argN OP value and ...)", or empty for a
// rule that allows calls whatever their arguments.
func ruleSuffix(s seccomp.Syscall) string {
	if s.Action == seccomp.ActionAllow && s.ErrnoRet == nil && len(s.Args) == 0 {
		return ""
	}
	parts := []string{s.Action}
	if s.ErrnoRet != nil {
		parts = append(parts, fmt.Sprint(*s.ErrnoRet))
	}
	var conds []string
	for _, a := range s.Args {
		cond := fmt.Sprintf("arg%d %s %d", a.Index, strings.TrimPrefix(a.Op, "SCMP_CMP_"), a.Value)
		if a.Op == "SCMP_CMP_MASKED_EQ" {
			cond += fmt.Sprintf(" %d", a.ValueTwo)
		}
		conds = append(conds, cond)
	}
	if len(conds) > 0 {
		parts = append(parts, "if "+strings.Join(conds, " and "))
	}
	return " (" + strings.Join(parts, " ") + ")"
}

// minus returns the elements of a that are not in b.
func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// abbreviate joins at most five names and counts the rest.
func abbreviate(names []string) string {
	const show = 5
	if len(names) <= show {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:show], ", "), len(names)-show)
}
