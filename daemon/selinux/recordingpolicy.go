package selinux

import (
	"context"
	"fmt"
	"strings"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/securityprofiles/operator/apis/keys"
	"github.com/securityprofiles/operator/internal/selinuxd"
)

// RecordingPolicy is the policy whose process type the recording webhook
// gives containers recorded into a SelinuxProfile. Profile policies are
// named "<name>_<namespace>", always with an "_", so no profile can take
// this name.
var RecordingPolicy = strings.TrimSuffix(keys.SelinuxRecordingType, ".process")

// RecordingPolicyCIL is the recording policy: a container domain that is
// permissive, so the kernel logs every denial of a recorded container as an
// AVC line (which the log enricher turns into rules) but enforces none.
var RecordingPolicyCIL = []byte("(block " + RecordingPolicy + "\n" +
	"    (blockinherit container)\n" +
	"    (typepermissive process)\n" +
	")\n")

// recordingPolicyCheck is how often the recording policy's file is checked
// and put back if someone removed or changed it.
const recordingPolicyCheck = 30 * time.Second

// recordingPolicy keeps the recording policy in selinuxd's directory for as
// long as the daemon runs. It is never removed: recorded containers may be
// running under its type at any time.
type recordingPolicy struct {
	dir      selinuxd.PolicyDir
	interval time.Duration
}

// NeedLeaderElection is false: every node needs its own copy.
func (p recordingPolicy) NeedLeaderElection() bool { return false }

// Start writes the policy, then checks it until ctx ends. A failure at
// start fails the daemon (the directory is unusable); later ones are
// logged and retried.
func (p recordingPolicy) Start(ctx context.Context) error {
	if _, err := p.dir.Write(RecordingPolicy, RecordingPolicyCIL); err != nil {
		return fmt.Errorf("install %s policy: %w", RecordingPolicy, err)
	}
	tick := time.NewTicker(p.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		changed, err := p.dir.Write(RecordingPolicy, RecordingPolicyCIL)
		if err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "Cannot restore the recording policy", "policy", RecordingPolicy)
		} else if changed {
			ctrl.LoggerFrom(ctx).Info("Recording policy was removed or changed; restored it", "policy", RecordingPolicy)
		}
	}
}
