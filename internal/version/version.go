package version

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Set at link time by the Makefile.
var (
	version   = "0.0.0-dev"
	gitCommit = "unknown"
	buildDate = "1970-01-01T00:00:00Z"
)

// Info is what a binary reports about its build.
type Info struct {
	Version   string
	GitCommit string
	BuildDate string
	GoVersion string
	Compiler  string
	Platform  string
	BuildTags string
}

// Get returns the build details of the running binary.
func Get() Info {
	return Info{
		Version:   version,
		GitCommit: gitCommit,
		BuildDate: buildDate,
		GoVersion: runtime.Version(),
		Compiler:  runtime.Compiler,
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
		BuildTags: buildTags(),
	}
}

// KeysAndValues returns the details as logr key/value pairs.
func (i Info) KeysAndValues() []any {
	return []any{
		"version", i.Version, "gitCommit", i.GitCommit, "buildDate", i.BuildDate,
		"goVersion", i.GoVersion, "compiler", i.Compiler, "platform", i.Platform,
		"buildTags", i.BuildTags,
	}
}

// buildTags reads the -tags the binary was built with from its embedded
// build settings, so nobody has to keep a second list in step.
func buildTags() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range bi.Settings {
		if s.Key == "-tags" {
			return strings.ReplaceAll(s.Value, ",", " ")
		}
	}
	return ""
}
