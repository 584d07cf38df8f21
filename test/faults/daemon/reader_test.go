package daemonfaults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/securityprofiles/operator/internal/seccomp"
)

// reader plays the kubelet and the container runtime: it reads every
// profile file it finds under dir, over and over, while the daemon
// writes them. A file it can open must always be a complete profile:
// strict OCI JSON and, when want knows the path, exactly those bytes. A
// truncated file that still parses (say, cut before the trailing
// newline) is caught by the byte comparison.
type reader struct {
	dir  string
	want files

	mu      sync.Mutex
	reads   int
	partial []string
}

// run reads until ctx ends.
func (r *reader) run(ctx context.Context) {
	for ctx.Err() == nil {
		r.pass()
	}
}

// pass walks dir once. dir may be a link (the kubelet's
// seccomp/operator): the trailing separator makes the walk follow it.
func (r *reader) pass() {
	_ = filepath.WalkDir(r.dir+string(filepath.Separator), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(d.Name(), ".json") {
			return nil // a directory not there yet is no finding
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		rel, _ := filepath.Rel(r.dir, path)
		r.record(rel, data, err)
		return nil
	})
}

func (r *reader) record(rel string, data []byte, readErr error) {
	finding := ""
	switch want, known := r.want[rel]; {
	case readErr != nil:
		finding = readErr.Error()
	case known && !bytes.Equal(data, want):
		finding = fmt.Sprintf("%d bytes, want the %d the profile renders to", len(data), len(want))
	default:
		if _, err := seccomp.DecodeOCI(data); err != nil {
			finding = fmt.Sprintf("%d bytes that do not parse: %v", len(data), err)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	if finding != "" {
		r.partial = append(r.partial, rel+": "+finding)
	}
}

// counts returns the reads done and the partial files seen.
func (r *reader) counts() (reads int, partial []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reads, append([]string(nil), r.partial...)
}

// tempFiles lists the entries under dir that are not profiles or
// directories: the daemon's in-flight (or abandoned) temporary files.
func tempFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(d.Name(), ".json") {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return nil
	})
	return out, err
}
