package selinux

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/selinuxd"
)

// TestRecordingPolicyIsRestored checks that the recording policy is
// written at start and put back after someone removes it: recorded
// containers may run under its type at any time.
func TestRecordingPolicyIsRestored(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- recordingPolicy{dir: selinuxd.PolicyDir{Path: dir}, interval: 10 * time.Millisecond}.Start(ctx)
	}()
	file := filepath.Join(dir, RecordingPolicy+".cil")
	g.Eventually(func() ([]byte, error) { return os.ReadFile(file) }).
		WithTimeout(10 * time.Second).Should(Equal(RecordingPolicyCIL))

	g.Expect(os.Remove(file)).To(Succeed())
	g.Eventually(func() ([]byte, error) { return os.ReadFile(file) }).
		WithTimeout(10 * time.Second).Should(Equal(RecordingPolicyCIL))

	cancel()
	g.Eventually(done).WithTimeout(10 * time.Second).Should(Receive(BeNil()))
}

// TestRecordingPolicyFailsOnUnusableDir makes a daemon whose policy
// directory cannot be written fail at start rather than run without the
// recording policy.
func TestRecordingPolicyFailsOnUnusableDir(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	NewWithT(t).Expect(os.WriteFile(notADir, nil, 0o600)).To(Succeed())
	err := recordingPolicy{dir: selinuxd.PolicyDir{Path: notADir}, interval: time.Hour}.Start(context.Background())
	NewWithT(t).Expect(err).To(MatchError(ContainSubstring(RecordingPolicy)))
}

func TestRecordingPolicyName(t *testing.T) {
	g := NewWithT(t)
	g.Expect(RecordingPolicy).To(Equal("selinuxrecording"))
	g.Expect(selinuxd.ValidPolicyName(RecordingPolicy)).To(Succeed())
}
