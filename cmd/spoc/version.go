package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/securityprofiles/operator/internal/seccompfilter"
	"github.com/securityprofiles/operator/internal/version"
	"github.com/securityprofiles/operator/recorder"
)

const versionHelp = `NAME:
   spoc version - display detailed version information

USAGE:
   spoc version
`

func printVersion(args []string, out io.Writer) int {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fmt.Fprint(out, versionHelp)
			return 0
		}
	}
	if len(args) > 0 {
		return fail("version", exitUsage, "unexpected arguments %q (see spoc version --help)", args)
	}
	info := version.Get()
	w := tabwriter.NewWriter(out, 0, 0, 1, ' ', 0)
	rows := [][2]string{
		{"Version", info.Version}, {"GitCommit", info.GitCommit}, {"BuildDate", info.BuildDate},
		{"GoVersion", info.GoVersion}, {"Compiler", info.Compiler}, {"Platform", info.Platform},
		{"BuildTags", info.BuildTags}, {"Libseccomp", seccompfilter.LibraryVersion()},
		{"Libbpf", recorder.LibbpfVersion()},
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%s:\t%s\n", r[0], r[1])
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "spoc version: %v\n", err)
		return exitFailed
	}
	return 0
}

// logBuild writes the build line the other binaries log as JSON, as one
// line of key=value pairs, so a log of a recording says which spoc and
// libseccomp wrote it and whether this kernel can load filters.
func logBuild(logger *log.Logger) {
	kv := append([]any{"component", "spoc"}, version.Get().KeysAndValues()...)
	kv = append(kv, "libseccomp", seccompfilter.LibraryVersion(),
		"seccompSupported", seccompfilter.KernelSupport() == nil, "libbpf", recorder.LibbpfVersion())
	var b strings.Builder
	b.WriteString("Starting component")
	for i := 0; i+1 < len(kv); i += 2 {
		v := fmt.Sprint(kv[i+1])
		if v == "" || strings.ContainsAny(v, " \t\"=") {
			v = strconv.Quote(v)
		}
		fmt.Fprintf(&b, " %s=%s", kv[i], v)
	}
	logger.Print(b.String())
}
