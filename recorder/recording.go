//go:build !no_bpf

package recorder

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"unsafe"

	bpf "github.com/aquasecurity/libbpfgo"
)

// setSize is sizeof(struct syscall_set) in bpf/recorder.bpf.c: the bitmap
// words, out_of_range and lost_tasks.
const setSize = (maxSyscalls/64 + 2) * 8

// Recording is one set of syscalls being recorded, for the tasks and mount
// namespaces added to it.
type Recording struct {
	r     *Recorder
	id    uint32
	mntns []uint32
	done  bool
}

// Start begins a new, empty recording.
func (r *Recorder) Start() (*Recording, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.inUse {
		if r.inUse[i] {
			continue
		}
		id := uint32(i)
		// A task forked while an earlier recording with this id stopped
		// may still carry the id: drop it so it cannot leak in here.
		if err := r.purge(id); err != nil {
			return nil, err
		}
		// A per-CPU update writes every CPU's copy, clearing what an
		// earlier recording with this id left behind.
		zero := make([]byte, setSize*r.numCPU)
		if err := r.sets.Update(unsafe.Pointer(&id), unsafe.Pointer(&zero[0])); err != nil {
			return nil, fmt.Errorf("clear recording %d: %w", id, err)
		}
		cfg := r.cfg
		cfg.recordings++
		if err := r.setConfig(cfg); err != nil {
			return nil, err
		}
		r.inUse[i] = true
		return &Recording{r: r, id: id}, nil
	}
	return nil, fmt.Errorf("all %d recordings are in use", MaxRecordings)
}

// TrackPID adds a task and, from now on, every task it creates. Register
// a process before it runs (for example while it is stopped by ptrace) to
// miss none of its syscalls. The pid is as seen from the initial PID
// namespace.
func (rec *Recording) TrackPID(pid int) error {
	key, value := uint32(pid), rec.id
	if err := rec.r.pids.Update(unsafe.Pointer(&key), unsafe.Pointer(&value)); err != nil {
		return fmt.Errorf("track pid %d: %w", pid, err)
	}
	return nil
}

// TrackMountNamespace adds every task whose mount namespace has the given
// inode number (as in `readlink /proc/PID/ns/mnt`), such as a container's.
func (rec *Recording) TrackMountNamespace(inum uint32) error {
	r := rec.r
	r.mu.Lock()
	defer r.mu.Unlock()
	value := rec.id
	if err := r.mntns.Update(unsafe.Pointer(&inum), unsafe.Pointer(&value)); err != nil {
		return fmt.Errorf("track mount namespace %d: %w", inum, err)
	}
	rec.mntns = append(rec.mntns, inum)
	cfg := r.cfg
	cfg.mntnsCount++
	return r.setConfig(cfg)
}

// setConfig writes the BPF program's configuration; r.mu must be held.
func (r *Recorder) setConfig(cfg recorderConfig) error {
	var zero uint32
	if err := r.config.Update(unsafe.Pointer(&zero), unsafe.Pointer(&cfg)); err != nil {
		return fmt.Errorf("update recorder config: %w", err)
	}
	r.cfg = cfg
	return nil
}

// Tasks returns the task ids currently followed by this recording, for
// example to signal stragglers.
func (rec *Recording) Tasks() ([]int, error) {
	var tasks []int
	err := eachKey(rec.r.pids, func(key, value uint32) {
		if value == rec.id {
			tasks = append(tasks, int(key))
		}
	})
	return tasks, err
}

// Syscalls returns the syscalls recorded so far, merged over all CPUs.
func (rec *Recording) Syscalls() (Result, error) {
	if rec.done {
		return Result{}, errors.New("read a stopped recording")
	}
	id := rec.id
	raw, err := rec.r.sets.GetValue(unsafe.Pointer(&id))
	if err != nil {
		return Result{}, fmt.Errorf("read recording %d: %w", id, err)
	}
	return decodeSets(raw, rec.r.numCPU), nil
}

// decodeSets ORs the per-CPU bitmaps and sums the counters.
func decodeSets(raw []byte, numCPU int) Result {
	var res Result
	var bits [maxSyscalls / 64]uint64
	for cpu := 0; cpu < numCPU && (cpu+1)*setSize <= len(raw); cpu++ {
		set := raw[cpu*setSize : (cpu+1)*setSize]
		for w := range bits {
			bits[w] |= binary.NativeEndian.Uint64(set[w*8:])
		}
		res.OutOfRange += binary.NativeEndian.Uint64(set[len(bits)*8:])
		res.LostTasks += binary.NativeEndian.Uint64(set[len(bits)*8+8:])
	}
	res.IDs = bitIDs(bits[:])
	return res
}

// purge stops following every task that carries recording id.
func (r *Recorder) purge(id uint32) error {
	var stale []uint32
	if err := eachKey(r.pids, func(key, value uint32) {
		if value == id {
			stale = append(stale, key)
		}
	}); err != nil {
		return err
	}
	for _, key := range stale {
		if err := r.pids.DeleteKey(unsafe.Pointer(&key)); err != nil && !isNotExist(err) {
			return fmt.Errorf("untrack task %d: %w", key, err)
		}
	}
	return nil
}

// Stop stops following the recording's tasks and mount namespaces and
// frees its slot. Read Syscalls first. Stop is idempotent.
func (rec *Recording) Stop() error {
	if rec.done {
		return nil
	}
	r := rec.r
	var errs []error
	// Tasks may exit (and delete themselves) meanwhile; purge ignores that.
	if err := r.purge(rec.id); err != nil {
		errs = append(errs, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, inum := range rec.mntns {
		if err := r.mntns.DeleteKey(unsafe.Pointer(&inum)); err != nil && !isNotExist(err) {
			errs = append(errs, err)
		}
	}
	cfg := r.cfg
	cfg.mntnsCount -= uint32(len(rec.mntns))
	cfg.recordings--
	errs = append(errs, r.setConfig(cfg))
	r.inUse[rec.id] = false
	rec.done = true
	return errors.Join(errs...)
}

// eachKey calls fn for every entry of a u32 → u32 hash map. Entries added
// or removed meanwhile may or may not be seen, as with any BPF map walk.
func eachKey(m *bpf.BPFMap, fn func(key, value uint32)) error {
	var keys []uint32
	var cur, next uint32
	start := true
	for {
		var err error
		if start {
			err = m.GetNextKey(nil, unsafe.Pointer(&next))
		} else {
			err = m.GetNextKey(unsafe.Pointer(&cur), unsafe.Pointer(&next))
		}
		if isNotExist(err) {
			break
		}
		if err != nil {
			return fmt.Errorf("walk map %s: %w", m.Name(), err)
		}
		keys = append(keys, next)
		cur, start = next, false
	}
	for _, key := range slices.Compact(keys) {
		raw, err := m.GetValue(unsafe.Pointer(&key))
		if isNotExist(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read map %s: %w", m.Name(), err)
		}
		fn(key, binary.NativeEndian.Uint32(raw))
	}
	return nil
}
