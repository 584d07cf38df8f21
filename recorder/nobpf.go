//go:build no_bpf

package recorder

// Recorder is unavailable in a no_bpf build; Load always fails.
type Recorder struct{}

// Recording is unavailable in a no_bpf build.
type Recording struct{}

// Load returns ErrNotBuilt: this binary has no BPF program.
func Load() (*Recorder, error) { return nil, ErrNotBuilt }

// Close does nothing in a no_bpf build.
func (r *Recorder) Close() error { return nil }

// Start returns ErrNotBuilt.
func (r *Recorder) Start() (*Recording, error) { return nil, ErrNotBuilt }

// TrackPID returns ErrNotBuilt.
func (rec *Recording) TrackPID(int) error { return ErrNotBuilt }

// TrackMountNamespace returns ErrNotBuilt.
func (rec *Recording) TrackMountNamespace(uint32) error { return ErrNotBuilt }

// Tasks returns ErrNotBuilt.
func (rec *Recording) Tasks() ([]int, error) { return nil, ErrNotBuilt }

// Syscalls returns ErrNotBuilt.
func (rec *Recording) Syscalls() (Result, error) { return Result{}, ErrNotBuilt }

// Stop does nothing in a no_bpf build.
func (rec *Recording) Stop() error { return nil }

// LibbpfVersion reports that no libbpf is linked into a no_bpf build.
func LibbpfVersion() string { return "none (built without eBPF)" }
