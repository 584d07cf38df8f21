//go:build !no_bpf

package recording

import (
	"context"
	"fmt"
	"time"

	"github.com/securityprofiles/operator/internal/seccompfilter"
	"github.com/securityprofiles/operator/recorder"
)

// BPFBackend hands out what the eBPF recorder's container capture saw.
type BPFBackend struct {
	Containers *recorder.Containers
	// Arch is the libseccomp name of the node's architecture.
	Arch string
}

// Collect names the syscalls the recorder saw of a container.
func (b *BPFBackend) Collect(containerID string) (Collected, error) {
	res, ok, err := b.Containers.Collect(containerID)
	if err != nil || !ok {
		return Collected{}, err
	}
	named, err := seccompfilter.Names(b.Arch, res.IDs)
	if err != nil {
		return Collected{}, err
	}
	out := Collected{Names: named.Names, Found: true}
	switch {
	case len(named.Unknown) > 0:
		out.Incomplete = fmt.Sprintf("syscall numbers %v have no name in this libseccomp", named.Unknown)
	case res.OutOfRange > 0:
		out.Incomplete = fmt.Sprintf("%d syscalls had numbers outside the recorder's table", res.OutOfRange)
	}
	return out, nil
}

// Sweep periodically frees the recorder's memory of containers no
// recording wants, keeping each for grace so a pod's status can catch up
// with its container's start. It returns when ctx is done.
func (b *BPFBackend) Sweep(ctx context.Context, wanted func(string) bool, every, grace time.Duration) {
	periodically(ctx, every, func() { _, _ = b.Containers.Sweep(wanted, grace) })
}
