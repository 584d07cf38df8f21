package enricher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/securityprofiles/operator/internal/audit"
)

// fileBufferSize bounds what a file source holds: one read's worth of
// lines. It must exceed audit.MaxRecordLength so that a line of the
// maximum length plus its newline fits.
const fileBufferSize = 64 << 10

// fileSource follows a log file like `tail -F`: it starts at the end, so
// a restart never replays old records, and when the path is renamed away
// and recreated, or the file is truncated, it reads the new content from
// its start. Lines longer than audit.MaxRecordLength are skipped as they
// stream past, never held whole.
//
// Rotation and truncation are noticed only at the end of the file, by
// polling; a file truncated and refilled past the old offset between two
// polls looks unchanged (tail -F has the same blind spot).
type fileSource struct {
	path   string
	poll   time.Duration
	f      *os.File
	offset int64 // bytes of f read so far
	buf    []byte
	start  int // unconsumed bytes are buf[start:end]
	end    int
	// discarding means the bytes up to the next newline belong to a line
	// that is being skipped: too long, or cut by where reading began.
	discarding bool
}

func openFile(path string, poll time.Duration) (*fileSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file (%v)", path, err)
	}
	s := &fileSource{path: path, poll: poll, f: f, offset: fi.Size(), buf: make([]byte, fileBufferSize)}
	if fi.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, fi.Size()-1); err != nil {
			f.Close()
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		// Starting in the middle of a line: its rest is not a record.
		s.discarding = last[0] != '\n'
	}
	if _, err := f.Seek(fi.Size(), io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("seek %s: %w", path, err)
	}
	return s, nil
}

// Name implements Source.
func (s *fileSource) Name() string { return s.path }

// Close implements Source.
func (s *fileSource) Close() error { return s.f.Close() }

// Next implements Source. It returns whole lines without the newline and
// msgType 0.
func (s *fileSource) Next(ctx context.Context) (uint16, []byte, error) {
	for {
		line, err := s.line()
		if line != nil || err != nil {
			return 0, line, err
		}
		n, err := s.f.Read(s.buf[s.end:])
		s.end += n
		s.offset += int64(n)
		if n > 0 {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, nil, fmt.Errorf("read %s: %w", s.path, err)
		}
		if s.reopened() {
			continue
		}
		select {
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		case <-time.After(s.poll):
		}
	}
}

// line returns the next complete line in the buffer, or nil when more
// input is needed. audit.ErrTooLong reports a line being skipped.
func (s *fileSource) line() ([]byte, error) {
	for {
		i := bytes.IndexByte(s.buf[s.start:s.end], '\n')
		if i < 0 {
			break
		}
		line := s.buf[s.start : s.start+i]
		s.start += i + 1
		switch {
		case s.discarding:
			s.discarding = false
		case len(line) > audit.MaxRecordLength:
			return nil, audit.ErrTooLong
		default:
			return line, nil
		}
	}
	rest := s.end - s.start
	switch {
	case s.discarding:
		rest = 0
	case rest > audit.MaxRecordLength:
		s.discarding = true
		s.start, s.end = 0, 0
		return nil, audit.ErrTooLong
	}
	copy(s.buf, s.buf[s.start:s.start+rest])
	s.start, s.end = 0, rest
	return nil, nil
}

// reopened checks, at the end of the file, whether the path now names
// another file (rotation) or the file shrank (truncation), and if so
// starts reading the new content from its beginning. An unfinished last
// line of the old content is dropped.
func (s *fileSource) reopened() bool {
	cur, err := s.f.Stat()
	if err != nil {
		return false
	}
	if cur.Size() < s.offset {
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return false
		}
		s.restart(s.f)
		return true
	}
	named, err := os.Stat(s.path)
	// Between the rename and the creation of the new file the path is
	// missing: keep the old file and look again at the next poll.
	if err != nil || os.SameFile(named, cur) || !named.Mode().IsRegular() {
		return false
	}
	// The writer may have appended to the old file after our last read
	// and before the rename: finish it first.
	if n, _ := s.f.Read(s.buf[s.end:]); n > 0 {
		s.end += n
		s.offset += int64(n)
		return true
	}
	nf, err := os.Open(s.path)
	if err != nil {
		return false
	}
	s.f.Close()
	s.restart(nf)
	return true
}

func (s *fileSource) restart(f *os.File) {
	s.f = f
	s.offset = 0
	s.start, s.end = 0, 0
	s.discarding = false
}
