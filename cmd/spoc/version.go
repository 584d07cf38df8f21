package main

import (
	"fmt"
	"io"
	"os"
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
