package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// output is where a recorded profile goes: a file written atomically
// (temporary file in the same directory, fsync, rename) or stdout. The
// temporary file is created before the command runs, so an unwritable
// path fails before anything is recorded, and an error never leaves a
// partial file behind.
type output struct {
	path string
	root *os.Root
	tmp  *os.File
	name string
}

// openOutput prepares path; "-" is stdout.
func openOutput(path string) (*output, error) {
	if path == "-" {
		return &output{path: path}, nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("output %s is a directory", path)
	}
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", path, err)
	}
	name := "." + filepath.Base(path) + ".tmp-" + strconv.Itoa(os.Getpid())
	tmp, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("cannot write %s: %w", path, err)
	}
	return &output{path: path, root: root, tmp: tmp, name: name}, nil
}

// commit writes data and moves it into place.
func (o *output) commit(data []byte) error {
	if o.root == nil {
		_, err := os.Stdout.Write(data)
		return err
	}
	_, err := o.tmp.Write(data)
	if err == nil {
		err = o.tmp.Sync()
	}
	if cerr := o.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = o.root.Rename(o.name, filepath.Base(o.path))
	}
	if err != nil {
		o.abort()
		return fmt.Errorf("write %s: %w", o.path, err)
	}
	o.root.Close()
	o.root = nil
	return nil
}

// abort removes the temporary file; it is a no-op after commit.
func (o *output) abort() {
	if o.root == nil {
		return
	}
	o.tmp.Close()
	_ = o.root.Remove(o.name)
	o.root.Close()
	o.root = nil
}
