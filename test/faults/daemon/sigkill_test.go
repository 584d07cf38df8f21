package daemonfaults

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/internal/podprofiles"
)

const installed = string(profilebasev1alpha1.StateInstalled)

// TestSIGKILLMidWriteLeavesNoPartialProfile kills the daemon while it is
// installing 200 profiles, at a moment it has a temporary file open, and
// restarts it. A reader polling the kubelet's view of the storage the
// whole time must never see a truncated or partial profile, and once the
// daemon has converged every file must be exactly what its profile
// renders to, with no temporary file left behind.
func TestSIGKILLMidWriteLeavesNoPartialProfile(t *testing.T) {
	const total, killAfter = 200, 50
	n := newNode(t, "node-sigkill", "")
	g := NewWithT(t)
	ctx := t.Context()
	c := n.env.Client

	profiles := make([]*seccompprofilev1beta1.SeccompProfile, total)
	want := files{}
	for i := range profiles {
		profiles[i] = profile(n.namespace, profileName(i), variedSpec(i))
		maps.Copy(want, expectedFiles(t, profiles[i]))
	}
	rd := &reader{dir: n.kubeletLink(), want: want}
	stopReading := runInBackground(ctx, rd.run)
	t.Cleanup(stopReading)

	n.start(t)
	created, createErr := createInBackground(ctx, c, profiles)

	g.Eventually(installedCount).WithArguments(ctx, n).WithTimeout(60*time.Second).WithPolling(20*time.Millisecond).
		Should(BeNumerically(">=", killAfter), n.out.String)
	caught := killMidWrite(t, n)
	createdAtKill := created.Load()
	installedAtKill, err := installedCount(ctx, n)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(installedAtKill).To(BeNumerically("<", total), "the daemon finished before the kill: no fault injected")
	g.Expect(<-createErr).To(Succeed())

	n.start(t)
	g.Eventually(installedCount).WithArguments(ctx, n).WithTimeout(60*time.Second).
		Should(Equal(total), n.out.String)
	stopReading()

	reads, partial := rd.counts()
	lost := wrongFiles(n.storage, want)
	leftovers, err := tempFiles(n.storage)
	g.Expect(err).NotTo(HaveOccurred())
	t.Logf("faults injected: 1 SIGKILL; profiles created at the kill: %d, installed: %d, in flight: %d; "+
		"temporary files open at the kill: %v", createdAtKill, installedAtKill, createdAtKill-int64(installedAtKill), caught)
	t.Logf("reader: %d reads, %d partial files; after restart: %d of %d files wrong or missing (lost), "+
		"%d temporary files left", reads, len(partial), len(lost), len(want), len(leftovers))

	g.Expect(reads).To(BeNumerically(">", 0), "the reader never saw a profile")
	g.Expect(partial).To(BeEmpty(), "a reader saw a partial profile file")
	g.Expect(lost).To(BeEmpty(), "files not right after the restart")
	g.Expect(os.Readlink(n.kubeletLink())).To(Equal(n.storage))
	g.Expect(leftovers).To(BeEmpty(), "temporary files left in the storage after convergence")
	all, err := statuses(ctx, c, n.namespace, n.name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(all).To(HaveLen(total))
	g.Expect(all).To(HaveEach(HaveField("Status", profilebasev1alpha1.StateInstalled)))
}

// killMidWrite SIGKILLs the daemon while it has a temporary file open,
// so the kill lands between creating a file and renaming it into place.
// When it sees a temporary file it stops the daemon (SIGSTOP) and looks
// again: a temporary file still there while every thread is stopped is a
// write in flight, and the daemon is killed as it stands; otherwise the
// daemon continues and the search goes on. After a second without a
// catch it kills anyway. It returns the temporary files left by the
// kill: the writes it cut short.
func killMidWrite(t *testing.T, n *node) []string {
	t.Helper()
	dirs := []string{filepath.Join(n.storage, n.namespace), filepath.Join(n.storage, n.namespace, podprofiles.AuditDir)}
	pid := n.cmd.Process.Pid
	// Bounded, so that a daemon writing without temporary files is still
	// killed with most profiles in flight.
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if !hasTempFile(dirs) {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatalf("stop daemon: %v", err)
		}
		waitStopped(t, pid)
		if hasTempFile(dirs) {
			break
		}
		if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
			t.Fatalf("continue daemon: %v", err)
		}
	}
	n.kill(t)
	left, err := tempFiles(n.storage)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) == 0 {
		t.Logf("the kill caught no write in flight")
	}
	return left
}

// waitStopped waits until every thread of pid is in the stopped state:
// kill(2) returns before a thread busy in a syscall has stopped.
func waitStopped(t *testing.T, pid int) {
	t.Helper()
	tasks := fmt.Sprintf("/proc/%d/task", pid)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		entries, err := os.ReadDir(tasks)
		if err != nil {
			t.Fatalf("read %s: %v", tasks, err)
		}
		stopped := 0
		for _, e := range entries {
			stat, _ := os.ReadFile(filepath.Join(tasks, e.Name(), "stat"))
			// The state follows the command name, which is in parentheses.
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && (stat[i+2] == 'T' || stat[i+2] == 't') {
				stopped++
			}
		}
		if stopped == len(entries) {
			return
		}
	}
	t.Fatalf("daemon %d did not stop", pid)
}

func hasTempFile(dirs []string) bool {
	for _, dir := range dirs {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !e.IsDir() && !strings.HasSuffix(e.Name(), ".json") {
				return true
			}
		}
	}
	return false
}

func installedCount(ctx context.Context, n *node) (int, error) {
	all, err := statuses(ctx, n.env.Client, n.namespace, n.name)
	return countState(all, installed), err
}

// wrongFiles lists the files under storage that are missing or differ
// from want.
func wrongFiles(storage string, want files) []string {
	var out []string
	for rel, data := range want {
		got, err := os.ReadFile(filepath.Join(storage, rel))
		if err != nil || !bytes.Equal(got, data) {
			out = append(out, rel)
		}
	}
	return out
}

// createInBackground creates the profiles one after the other while the
// daemon installs them. It counts the ones created; the channel yields
// the first error, or closes when all exist.
func createInBackground(ctx context.Context, c client.Client,
	profiles []*seccompprofilev1beta1.SeccompProfile) (*atomic.Int64, <-chan error) {
	created := &atomic.Int64{}
	errc := make(chan error, 1)
	go func() {
		defer close(errc)
		for _, sp := range profiles {
			if err := c.Create(ctx, sp.DeepCopy()); err != nil {
				errc <- err
				return
			}
			created.Add(1)
		}
	}()
	return created, errc
}

// runInBackground runs fn until the returned stop is called; stop waits
// for fn to return and may be called more than once.
func runInBackground(ctx context.Context, fn func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	return sync.OnceFunc(func() {
		cancel()
		<-done
	})
}
