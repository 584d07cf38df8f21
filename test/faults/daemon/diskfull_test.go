package daemonfaults

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	daemonseccomp "github.com/securityprofiles/operator/daemon/seccomp"
	"github.com/securityprofiles/operator/test/require"
)

// filler is the file that fills the storage; not a profile.
const filler = "filler"

// TestDiskFullKeepsOldProfileAndRetries fills the profile storage (a
// 128 KiB tmpfs) and then grows profile A and creates a big profile B.
// Neither fits: A's old file must stay complete and in place (the write
// is atomic), both node statuses must read Error with
// CannotSaveSeccompProfile and a message naming the cause, a Warning
// Event must say so, and no temporary file may be left. Once space is
// freed the daemon must retry on its own and install both.
func TestDiskFullKeepsOldProfileAndRetries(t *testing.T) {
	require.Root(t)
	storage := mountTmpfs(t, "128k")
	n := newNode(t, "node-diskfull", storage)
	g := NewWithT(t)
	ctx := t.Context()
	c := n.env.Client
	n.start(t)

	a := profile(n.namespace, "profile-a", variedSpec(3))
	oldA := expectedFiles(t, a)
	g.Expect(c.Create(ctx, a)).To(Succeed())
	g.Eventually(stateOf).WithArguments(ctx, n, a.Name).WithTimeout(30*time.Second).
		Should(HaveField("Status", profilebasev1alpha1.StateInstalled), n.out.String)
	g.Expect(wrongFiles(storage, oldA)).To(BeEmpty())

	free := fill(t, storage)
	a.Spec = bigSpec(60)
	b := profile(n.namespace, "profile-b", bigSpec(100))
	newFiles := files{}
	for _, sp := range []*seccompprofilev1beta1.SeccompProfile{a, b} {
		for rel, data := range expectedFiles(t, sp) {
			g.Expect(len(data)).To(BeNumerically(">", free), "%s must not fit in the %d bytes left", rel, free)
			newFiles[rel] = data
		}
	}
	g.Expect(c.Update(ctx, a)).To(Succeed())
	g.Expect(c.Create(ctx, b)).To(Succeed())

	for _, sp := range []*seccompprofilev1beta1.SeccompProfile{a, b} {
		g.Eventually(stateOf).WithArguments(ctx, n, sp.Name).WithTimeout(30*time.Second).Should(And(
			HaveField("Status", profilebasev1alpha1.StateError),
			HaveField("Reason", daemonseccomp.ReasonCannotSave),
			HaveField("Message", ContainSubstring("no space left on device")),
		), n.out.String)
		g.Eventually(warnings).WithArguments(ctx, c, n.namespace, sp.Name).WithTimeout(30 * time.Second).
			Should(ContainElement(daemonseccomp.ReasonCannotSave))
	}
	g.Expect(wrongFiles(storage, oldA)).To(BeEmpty(), "profile A's old files must survive the failed update")
	for rel := range expectedFiles(t, b) {
		g.Expect(filepath.Join(storage, rel)).NotTo(BeAnExistingFile())
	}
	g.Expect(leftoverTemps(storage)).To(BeEmpty(), "temporary files left after the failed writes")

	g.Expect(os.Remove(filepath.Join(storage, filler))).To(Succeed())
	for _, sp := range []*seccompprofilev1beta1.SeccompProfile{a, b} {
		g.Eventually(stateOf).WithArguments(ctx, n, sp.Name).WithTimeout(30*time.Second).
			Should(HaveField("Status", profilebasev1alpha1.StateInstalled), n.out.String)
	}
	lost := wrongFiles(storage, newFiles)
	t.Logf("faults injected: 1 full disk (%d bytes left); operations in flight: 2 (update of A, create of B); "+
		"failed writes retried (daemon log): %d; files lost or wrong after freeing space: %d",
		free, failedWrites(n.out.String()), len(lost))
	g.Expect(lost).To(BeEmpty(), "files not right once space was freed")
	g.Expect(leftoverTemps(storage)).To(BeEmpty())
}

// mountTmpfs mounts a tmpfs of size on a fresh directory and unmounts it
// when the test ends (after the daemon, which is stopped by a cleanup
// registered later, has exited).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0755"); err != nil {
		t.Fatalf("mount tmpfs on %s: %v", dir, err)
	}
	t.Cleanup(func() { _ = unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

// fill writes a file that leaves one page of the filesystem free, and
// returns how many bytes are left.
func fill(t *testing.T, dir string) int {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	if st.Bavail < 2 {
		t.Fatalf("%s has %d blocks free before filling; the test needs more", dir, st.Bavail)
	}
	size := int(st.Bavail-1) * int(st.Bsize)
	if err := os.WriteFile(filepath.Join(dir, filler), make([]byte, size), 0o600); err != nil {
		t.Fatalf("fill %s: %v", dir, err)
	}
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int(st.Bavail) * int(st.Bsize)
}

// failedWrites counts the reconciles the daemon logged as failed for a
// full disk; each was retried, as the convergence shows.
func failedWrites(log string) int {
	n := 0
	for line := range strings.Lines(log) {
		if strings.Contains(line, `"Reconciler error"`) && strings.Contains(line, "no space left on device") {
			n++
		}
	}
	return n
}

// leftoverTemps lists the daemon's temporary files in the storage.
func leftoverTemps(dir string) ([]string, error) {
	all, err := tempFiles(dir)
	return slices.DeleteFunc(all, func(rel string) bool { return rel == filler }), err
}

// stateOf is what this node reports for a profile (zero until it reports
// one). The daemon writes asynchronously: callers poll it.
func stateOf(ctx context.Context, n *node, name string) (nodestatusv1alpha1.ProfileNodeState, error) {
	all, err := statuses(ctx, n.env.Client, n.namespace, n.name)
	return all[name], err
}

// warnings lists the reasons of the Warning Events about a profile.
func warnings(ctx context.Context, c client.Client, namespace, name string) ([]string, error) {
	list := &eventsv1.EventList{}
	if err := c.List(ctx, list, client.InNamespace(namespace)); err != nil {
		return nil, err
	}
	var out []string
	for _, e := range list.Items {
		if e.Type == corev1.EventTypeWarning && e.Regarding.Name == name {
			out = append(out, e.Reason)
		}
	}
	return out, nil
}
