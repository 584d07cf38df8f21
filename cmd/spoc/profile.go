package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/securityprofiles/operator/internal/seccomp"
)

// typeSeccomp is upstream spoc's -t name for the SeccompProfile format.
const typeSeccomp = "seccomp"

// typeNames lists the -t values that name a seccomp format, for messages.
const typeNames = "seccomp (or crd) or raw-seccomp"

// parseType reads a -t value: seccomp or crd for a SeccompProfile, or
// raw-seccomp for OCI JSON.
func parseType(t string) (seccomp.Format, bool) {
	switch t {
	case typeSeccomp, string(seccomp.FormatCRD):
		return seccomp.FormatCRD, true
	case string(seccomp.FormatOCI):
		return seccomp.FormatOCI, true
	}
	return "", false
}

// defaultOutput is where a profile of format goes without -o.
func defaultOutput(format seccomp.Format) string {
	if format == seccomp.FormatOCI {
		return filepath.Join(os.TempDir(), "profile.json")
	}
	return filepath.Join(os.TempDir(), "profile.yaml")
}

// encode writes p in format; name is the SeccompProfile's name.
func encode(format seccomp.Format, name string, p seccomp.Profile) ([]byte, error) {
	if format == seccomp.FormatOCI {
		return seccomp.EncodeOCI(p)
	}
	return seccomp.EncodeCRD(name, p)
}

// profileFile is a profile read from a file.
type profileFile struct {
	path    string
	format  seccomp.Format
	name    string // the SeccompProfile's name; empty for OCI JSON
	profile seccomp.Profile
}

// readProfile reads a SeccompProfile (YAML or JSON) or OCI seccomp JSON;
// the format is detected.
func readProfile(path string) (profileFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return profileFile{}, fmt.Errorf("read profile: %w", err)
	}
	f := profileFile{path: path}
	f.profile, f.format, err = seccomp.Decode(data)
	if err == nil && f.format == seccomp.FormatCRD {
		f.name, _, err = seccomp.DecodeCRD(data)
	}
	if err != nil {
		return profileFile{}, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}
