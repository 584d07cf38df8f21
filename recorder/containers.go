//go:build !no_bpf

package recorder

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
	"unsafe"

	bpf "github.com/aquasecurity/libbpfgo"

	"github.com/securityprofiles/operator/internal/containerid"
)

// Values of the mntns_state map in bpf/recorder.bpf.c.
const (
	statePending  uint32 = 0
	stateResolved uint32 = 1
	stateIgnored  uint32 = 2
)

// Layout of struct exec_event and struct container_set in the C source.
const (
	cgroupNameLen    = 128
	execEventSize    = 16 + 2*cgroupNameLen
	containerSetSize = (maxSyscalls/64 + 1) * 8
)

// Indexes of capture_stats.
const (
	statNamespacesLost = 0
	statEventsLost     = 1
)

// Containers records every container started on the node, each from the
// first execve in its mount namespace, and hands out what a container did
// by its ID. It is safe for concurrent use.
//
// The kernel side needs no list of containers to watch: the first execve
// in a mount namespace made by a parent in another namespace (a runtime
// starting a container's workload) opens a bitmap for that namespace, and
// one event per such execve tells user space the cgroup names, from which
// it takes the container ID. Syscalls of the runtime before that execve
// (runc init) are not the workload's and are not recorded: a recorded
// profile relies on its baseProfileName for them.
type Containers struct {
	r       *Recorder
	procDir string
	rb      *bpf.RingBuffer
	events  chan []byte
	done    chan struct{}
	stopped sync.WaitGroup
	now     func() time.Time

	mu    sync.Mutex
	ns    map[uint64]*namespace
	byID  map[string][]uint64
	found func(c Found)
}

// namespace is what user space knows about one recorded mount namespace.
type namespace struct {
	containerID string
	state       uint32
	since       time.Time
}

// Found describes a container that Containers mapped to a namespace.
type Found struct {
	// ContainerID is the 64-hex-digit container ID.
	ContainerID string
	// PID is the process whose execve revealed it.
	PID int
	// MountNamespace is the kernel's unique id of its mount namespace.
	MountNamespace uint64
}

// CaptureContainers turns on container capture. procDir is the node's
// /proc, read when a process's cgroup names do not reveal its container.
// found, if not nil, is called (without locks held) for each container
// mapped to a namespace. Only one capture may run per Recorder.
func (r *Recorder) CaptureContainers(procDir string, found func(Found)) (*Containers, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cfg.captureContainers != 0 {
		return nil, errors.New("container capture is already running")
	}
	c := &Containers{
		r: r, procDir: procDir, now: time.Now, found: found,
		events: make(chan []byte, 1024), done: make(chan struct{}),
		ns: map[uint64]*namespace{}, byID: map[string][]uint64{},
	}
	rb, err := r.module.InitRingBuf("exec_events", c.events)
	if err != nil {
		return nil, fmt.Errorf("open exec event ring buffer: %w", err)
	}
	c.rb = rb
	cfg := r.cfg
	cfg.captureContainers = 1
	if err := r.setConfig(cfg); err != nil {
		rb.Close()
		return nil, err
	}
	rb.Poll(100)
	c.stopped.Add(1)
	go c.loop()
	return c, nil
}

func (c *Containers) loop() {
	defer c.stopped.Done()
	for {
		select {
		case raw, ok := <-c.events:
			if !ok {
				return
			}
			c.handle(raw)
		case <-c.done:
			return
		}
	}
}

// handle maps the namespace of one exec event to a container, or marks it
// as not a container so the kernel stops reporting it.
func (c *Containers) handle(raw []byte) {
	if len(raw) < execEventSize {
		return
	}
	key := binary.NativeEndian.Uint64(raw[0:8])
	pid := int(binary.NativeEndian.Uint32(raw[8:12]))
	id, known := c.containerOf(pid, raw[16:16+cgroupNameLen], raw[16+cgroupNameLen:execEventSize])

	c.mu.Lock()
	ns := c.ns[key]
	if ns == nil {
		ns = &namespace{since: c.now()}
		c.ns[key] = ns
	}
	if !known || ns.state != statePending {
		// The process is gone before we could look: the namespace's next
		// execve reports it again.
		c.mu.Unlock()
		return
	}
	state := stateIgnored
	if id != "" {
		state = stateResolved
		ns.containerID = id
		c.byID[id] = append(c.byID[id], key)
	}
	ns.state = state
	err := c.r.mntnsState.Update(unsafe.Pointer(&key), unsafe.Pointer(&state))
	if state == stateIgnored {
		// Not a container (a host service in a private mount namespace):
		// stop recording it now rather than at the next sweep.
		_ = c.r.containerSets.DeleteKey(unsafe.Pointer(&key))
	}
	found := c.found
	c.mu.Unlock()
	if err == nil && id != "" && found != nil {
		found(Found{ContainerID: id, PID: pid, MountNamespace: key})
	}
}

// containerOf finds the container of pid from the cgroup names the kernel
// sent, else from /proc. known is false when neither could tell (the
// process exited before /proc was read); id is empty for a process that
// is in no container.
func (c *Containers) containerOf(pid int, memoryCgroup, defaultCgroup []byte) (id string, known bool) {
	// Shaped like /proc/<pid>/cgroup: the v1 memory line, then the v2 line.
	var lines []byte
	for i, name := range [][]byte{memoryCgroup, defaultCgroup} {
		if n := bytes.IndexByte(name, 0); n >= 0 {
			name = name[:n]
		}
		lines = append(append(append(lines, [2]string{"1:memory:/", "0::/"}[i]...), name...), '\n')
	}
	if id, ok := containerid.FromCgroup(lines); ok {
		return id, true
	}
	content, err := os.ReadFile(filepath.Join(c.procDir, strconv.Itoa(pid), "cgroup"))
	if err != nil {
		return "", false
	}
	id, _ = containerid.FromCgroup(content)
	return id, true
}

// Collect returns the syscalls recorded for a container and forgets them.
// ok is false when the container was never seen.
func (c *Containers) Collect(containerID string) (res Result, ok bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := c.byID[containerID]
	if len(keys) == 0 {
		return Result{}, false, nil
	}
	var bits [maxSyscalls / 64]uint64
	for _, key := range keys {
		raw, err := c.r.containerSets.GetValue(unsafe.Pointer(&key))
		if isNotExist(err) {
			continue
		}
		if err != nil {
			return Result{}, false, fmt.Errorf("read container %s: %w", containerID, err)
		}
		for w := range bits {
			bits[w] |= binary.NativeEndian.Uint64(raw[w*8:])
		}
		res.OutOfRange += binary.NativeEndian.Uint64(raw[len(bits)*8:])
		c.forget(key)
	}
	delete(c.byID, containerID)
	res.IDs = bitIDs(bits[:])
	return res, true, nil
}

// forget drops a namespace from both maps; c.mu must be held.
func (c *Containers) forget(key uint64) {
	_ = c.r.containerSets.DeleteKey(unsafe.Pointer(&key))
	_ = c.r.mntnsState.DeleteKey(unsafe.Pointer(&key))
	delete(c.ns, key)
}

// Sweep frees what no recording will collect: containers for which keep
// returns false, and namespaces never mapped to a container, once they are
// older than grace. It returns how many namespaces it dropped. Call it
// periodically; the kernel's map holds MaxContainers namespaces.
func (c *Containers) Sweep(keep func(containerID string) bool, grace time.Duration) (int, error) {
	keys, err := c.kernelKeys()
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for _, key := range keys {
		// Namespaces whose event was lost: age them from now.
		if c.ns[key] == nil {
			c.ns[key] = &namespace{since: now}
		}
	}
	dropped := 0
	for key, ns := range c.ns {
		age := now.Sub(ns.since)
		switch {
		case ns.state == stateResolved && (keep(ns.containerID) || age < grace):
			continue
		case ns.state != stateResolved && age < grace:
			continue
		}
		if ns.state == stateResolved {
			c.byID[ns.containerID] = removeKey(c.byID[ns.containerID], key)
			if len(c.byID[ns.containerID]) == 0 {
				delete(c.byID, ns.containerID)
			}
		}
		c.forget(key)
		dropped++
	}
	return dropped, err
}

// kernelKeys lists the namespaces in container_sets.
func (c *Containers) kernelKeys() ([]uint64, error) {
	var keys []uint64
	var cur, next uint64
	for i := 0; i < 2*MaxContainers; i++ {
		var err error
		if i == 0 {
			err = c.r.containerSets.GetNextKey(nil, unsafe.Pointer(&next))
		} else {
			err = c.r.containerSets.GetNextKey(unsafe.Pointer(&cur), unsafe.Pointer(&next))
		}
		if isNotExist(err) {
			return keys, nil
		}
		if err != nil {
			return keys, fmt.Errorf("walk container map: %w", err)
		}
		keys = append(keys, next)
		cur = next
	}
	return keys, nil
}

func removeKey(keys []uint64, key uint64) []uint64 {
	out := keys[:0]
	for _, k := range keys {
		if k != key {
			out = append(out, k)
		}
	}
	return out
}

// CaptureStats counts what container capture lost since it started.
type CaptureStats struct {
	// NamespacesLost counts containers not recorded because the kernel's
	// map held MaxContainers namespaces already.
	NamespacesLost uint64
	// EventsLost counts exec events dropped because user space fell behind;
	// the namespace's next execve reports it again.
	EventsLost uint64
	// Tracked is the number of namespaces user space knows of.
	Tracked int
}

// Stats reads the loss counters.
func (c *Containers) Stats() (CaptureStats, error) {
	var s CaptureStats
	for idx, dst := range map[uint32]*uint64{statNamespacesLost: &s.NamespacesLost, statEventsLost: &s.EventsLost} {
		raw, err := c.r.captureStats.GetValue(unsafe.Pointer(&idx))
		if err != nil {
			return s, fmt.Errorf("read capture stats: %w", err)
		}
		*dst = binary.NativeEndian.Uint64(raw)
	}
	c.mu.Lock()
	s.Tracked = len(c.ns)
	c.mu.Unlock()
	return s, nil
}

// Close turns container capture off and stops reading events.
func (c *Containers) Close() error {
	c.r.mu.Lock()
	cfg := c.r.cfg
	cfg.captureContainers = 0
	err := c.r.setConfig(cfg)
	c.r.mu.Unlock()
	c.rb.Stop()
	close(c.done)
	c.stopped.Wait()
	c.rb.Close()
	return err
}

// bitIDs lists the set bits of a syscall bitmap, ascending.
func bitIDs(bits []uint64) []uint32 {
	var ids []uint32
	for w, word := range bits {
		for b := range 64 {
			if word&(1<<b) != 0 {
				ids = append(ids, uint32(w*64+b))
			}
		}
	}
	return ids
}
