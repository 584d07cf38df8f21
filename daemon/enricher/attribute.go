package enricher

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/securityprofiles/operator/internal/containerid"
)

// Cache bounds. pidCacheTTL is a trade-off: records come in bursts of
// thousands per process, so even a short TTL saves nearly every /proc
// read; but pids are reused, and an entry outliving its process would
// attribute the next process with that pid (after the pid space wraps)
// to the wrong container. A few seconds make that need a whole pid_max
// of forks within the TTL. A process changes cgroup rarely (runc moves
// its init into the container's cgroup before it installs the seccomp
// filter, so a container's records are never seen from the host cgroup).
const (
	pidCacheSize = 16 << 10
	pidCacheTTL  = 3 * time.Second
	// maxCgroupFile bounds the read of /proc/<pid>/cgroup, whose paths
	// are chosen by whoever created the cgroups.
	maxCgroupFile = 64 << 10
)

// pidEntry is what a pid was found to run in: a container ID, or "" for
// a process outside any container.
type pidEntry struct {
	containerID string
	expires     time.Time
}

// pidCache maps pids to container IDs for pidCacheTTL, holding at most
// max entries. Not safe for concurrent use.
type pidCache struct {
	max     int
	ttl     time.Duration
	entries map[int]pidEntry
}

func newPIDCache(max int, ttl time.Duration) *pidCache {
	return &pidCache{max: max, ttl: ttl, entries: make(map[int]pidEntry)}
}

func (c *pidCache) get(pid int, now time.Time) (string, bool) {
	e, ok := c.entries[pid]
	if !ok || now.After(e.expires) {
		return "", false
	}
	return e.containerID, true
}

func (c *pidCache) put(pid int, containerID string, now time.Time) {
	if _, ok := c.entries[pid]; !ok && len(c.entries) >= c.max {
		c.evict(now)
	}
	c.entries[pid] = pidEntry{containerID: containerID, expires: now.Add(c.ttl)}
}

// evict drops expired entries and, if that freed too little, arbitrary
// ones down to three quarters of max, so its cost is amortised over many
// insertions.
func (c *pidCache) evict(now time.Time) {
	for pid, e := range c.entries {
		if now.After(e.expires) {
			delete(c.entries, pid)
		}
	}
	for pid := range c.entries {
		if len(c.entries) <= c.max*3/4 {
			break
		}
		delete(c.entries, pid)
	}
}

// errProcessGone means the pid has no /proc entry: the process exited
// before its record was read.
var errProcessGone = errors.New("process gone")

// cgroupReader reads /proc/<pid>/cgroup files under dir into one reused
// buffer. Not safe for concurrent use.
type cgroupReader struct {
	dir string
	buf []byte
}

// containerID returns the ID of the container pid runs in, or "" for a
// process outside any container.
func (r *cgroupReader) containerID(pid int) (string, error) {
	if pid <= 0 {
		return "", errProcessGone
	}
	f, err := os.Open(filepath.Join(r.dir, strconv.Itoa(pid), "cgroup"))
	if errors.Is(err, os.ErrNotExist) {
		return "", errProcessGone
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	if r.buf == nil {
		r.buf = make([]byte, maxCgroupFile)
	}
	// A longer file is cut: every real container line fits well within.
	n, err := io.ReadFull(f, r.buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		// ESRCH: the process exited between open and read.
		return "", errProcessGone
	}
	id, _ := containerid.FromCgroup(r.buf[:n])
	return id, nil
}
