//go:build !no_bpf

package recorder

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"

	bpf "github.com/aquasecurity/libbpfgo"
)

//go:embed bpf/recorder.bpf.o
var object []byte

// tracepoints are the BPF programs and the raw tracepoints they attach to.
var tracepoints = []string{"sys_enter", "sched_process_fork", "sched_process_exit", "sched_process_exec"}

// Recorder is the loaded and attached BPF program. One Recorder serves up
// to MaxRecordings concurrent recordings. It is safe for concurrent use.
type Recorder struct {
	module *bpf.Module
	links  []*bpf.BPFLink
	pids   *bpf.BPFMap
	mntns  *bpf.BPFMap
	sets   *bpf.BPFMap
	config *bpf.BPFMap
	numCPU int

	// Container capture (see containers.go).
	containerSets *bpf.BPFMap
	mntnsState    *bpf.BPFMap
	captureStats  *bpf.BPFMap

	mu    sync.Mutex
	inUse [MaxRecordings]bool
	cfg   recorderConfig
}

// recorderConfig is struct recorder_config in bpf/recorder.bpf.c.
type recorderConfig struct {
	mntnsCount        uint32
	captureContainers uint32
	recordings        uint32
	_                 uint32
}

// Load checks the kernel and privileges, loads and attaches the BPF
// program, and proves it works by recording one syscall of its own. The
// error names what is missing: BTF, privileges or a kernel feature.
func Load() (*Recorder, error) {
	if err := preflight(); err != nil {
		return nil, err
	}
	installLogger()
	module, err := openModule()
	if err != nil {
		return nil, err
	}
	r := &Recorder{module: module}
	if err := r.load(); err != nil {
		module.Close()
		return nil, err
	}
	if err := r.attach(); err != nil {
		r.Close()
		return nil, err
	}
	if err := r.selfTest(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// openModule writes the embedded object to a temporary file: only
// NewModuleFromFileArgs honours SkipMemlockBump, and raising
// RLIMIT_MEMLOCK needs CAP_SYS_RESOURCE, which many nodes withhold. Kernels
// since 5.11 charge BPF memory to the cgroup instead, so no bump is needed.
func openModule() (*bpf.Module, error) {
	f, err := os.CreateTemp("", "spo-recorder-*.bpf.o")
	if err != nil {
		return nil, fmt.Errorf("write BPF object: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(object); err != nil {
		f.Close()
		return nil, fmt.Errorf("write BPF object: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write BPF object: %w", err)
	}
	module, err := bpf.NewModuleFromFileArgs(bpf.NewModuleArgs{
		BPFObjPath:      f.Name(),
		SkipMemlockBump: true,
	})
	if err != nil {
		return nil, fmt.Errorf("open BPF object: %w", err)
	}
	return module, nil
}

// load loads the programs into the kernel and looks up the maps.
func (r *Recorder) load() error {
	libbpfLog.take()
	if err := r.module.BPFLoadObject(); err != nil {
		return explainLoad(err, libbpfLog.take())
	}
	var err error
	maps := []struct {
		name string
		dst  **bpf.BPFMap
	}{
		{"tracked_pids", &r.pids}, {"tracked_mntns", &r.mntns},
		{"syscall_sets", &r.sets}, {"recorder_config", &r.config},
		{"container_sets", &r.containerSets}, {"mntns_state", &r.mntnsState},
		{"capture_stats", &r.captureStats},
	}
	for _, m := range maps {
		if *m.dst, err = r.module.GetMap(m.name); err != nil {
			return fmt.Errorf("BPF map %s: %w", m.name, err)
		}
	}
	if r.numCPU, err = bpf.NumPossibleCPUs(); err != nil {
		return fmt.Errorf("count possible CPUs: %w", err)
	}
	return nil
}

// explainLoad turns a failed bpf_object__load into an error that says
// which requirement is missing.
func explainLoad(err error, log string) error {
	var reason string
	switch {
	case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EACCES):
		reason = "missing privileges (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN), or BPF is locked down"
	case errors.Is(err, syscall.EINVAL), errors.Is(err, syscall.ENOTSUP), errors.Is(err, syscall.ESRCH):
		reason = "the kernel lacks a BPF feature the recorder needs (raw tracepoints, BTF-based CO-RE relocations)"
	default:
		reason = "the kernel refused the program"
	}
	if log != "" {
		return fmt.Errorf("load BPF recorder: %s: %w (libbpf: %s)", reason, err, log)
	}
	return fmt.Errorf("load BPF recorder: %s: %w", reason, err)
}

// attach attaches every program to its raw tracepoint.
func (r *Recorder) attach() error {
	for _, name := range tracepoints {
		prog, err := r.module.GetProgram(name)
		if err != nil {
			return fmt.Errorf("BPF program %s: %w", name, err)
		}
		link, err := prog.AttachRawTracepoint(name)
		if err != nil {
			return fmt.Errorf("attach raw tracepoint %s: the kernel lacks it or refused it: %w", name, err)
		}
		r.links = append(r.links, link)
	}
	return nil
}

// Close detaches the programs and unloads them. Recordings still running
// end with it.
func (r *Recorder) Close() error {
	var errs []error
	for i, link := range r.links {
		if err := link.Destroy(); err != nil {
			errs = append(errs, fmt.Errorf("detach %s: %w", tracepoints[i], err))
		}
	}
	r.links = nil
	r.module.Close()
	return errors.Join(errs...)
}

// LibbpfVersion returns the version of the libbpf linked into this
// binary, such as v1.4.
func LibbpfVersion() string { return bpf.LibbpfVersionString() }
