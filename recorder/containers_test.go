//go:build !no_bpf

package recorder_test

import (
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/seccompfilter"
	"github.com/securityprofiles/operator/recorder"
	"github.com/securityprofiles/operator/test/fakecontainer"
	"github.com/securityprofiles/operator/test/require"
)

func TestContainersRecordExactlyWhatStraceSees(t *testing.T) {
	require.Command(t, "strace")
	g := NewWithT(t)
	r := load(t)
	c, err := r.CaptureContainers("/proc", nil)
	g.Expect(err).NotTo(HaveOccurred())
	defer c.Close()
	arch, err := seccompfilter.NativeArch()
	g.Expect(err).NotTo(HaveOccurred())

	for _, argv := range fakecontainer.Programs {
		container := fakecontainer.New(t)
		// A decoy with the same name on the host does other work at the
		// same time: none of it may reach the container's syscalls.
		decoyArgv := fakecontainer.Decoy(t, argv[0])
		want := fakecontainer.StraceNames(t, argv)
		g.Expect(fakecontainer.Missing(fakecontainer.StraceNames(t, decoyArgv), want)).NotTo(BeEmpty(), "the decoy must make a syscall %v does not", argv)
		decoy := exec.Command(decoyArgv[0], decoyArgv[1:]...)
		g.Expect(decoy.Start()).To(Succeed())
		g.Expect(run(container, argv)).To(Succeed(), "%v", argv)
		_ = decoy.Wait()

		var res recorder.Result
		g.Eventually(func() bool {
			var ok bool
			res, ok, err = c.Collect(container.ID)
			return ok
		}).WithTimeout(5*time.Second).Should(BeTrue(), "container of %v never found", argv)
		g.Expect(err).NotTo(HaveOccurred())
		named, err := seccompfilter.Names(arch, res.IDs)
		g.Expect(err).NotTo(HaveOccurred())
		got := append(named.Names, "execve") // the first execve precedes the namespace's bitmap
		slices.Sort(got)
		got = slices.Compact(got)
		g.Expect(got).To(Equal(want), "%v", argv)
	}
}

func TestContainersIgnoreHostProcessesAndSweep(t *testing.T) {
	g := NewWithT(t)
	r := load(t)
	c, err := r.CaptureContainers("/proc", nil)
	g.Expect(err).NotTo(HaveOccurred())
	defer c.Close()

	// A private mount namespace outside any container is dropped at once.
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	g.Expect(cmd.Run()).To(Succeed())

	container := fakecontainer.New(t)
	g.Expect(run(container, []string{"/bin/true"})).To(Succeed())
	g.Eventually(func() (int, error) {
		s, err := c.Stats()
		return s.Tracked, err
	}).WithTimeout(5 * time.Second).Should(BeNumerically(">=", 2))

	// Sweep keeps what a recording wants, then drops it when unwanted.
	keep := func(id string) bool { return id == container.ID }
	_, err = c.Sweep(keep, 0)
	g.Expect(err).NotTo(HaveOccurred())
	_, ok, err := c.Collect(container.ID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ok).To(BeTrue())

	other := fakecontainer.New(t)
	g.Expect(run(other, []string{"/bin/true"})).To(Succeed())
	g.Eventually(func() bool {
		_, err := c.Sweep(func(string) bool { return true }, time.Hour)
		g.Expect(err).NotTo(HaveOccurred())
		s, _ := c.Stats()
		return s.Tracked > 0
	}).WithTimeout(5 * time.Second).Should(BeTrue())
	dropped, err := c.Sweep(func(string) bool { return false }, 0)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(dropped).To(BeNumerically(">=", 1))
	_, ok, err = c.Collect(other.ID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ok).To(BeFalse())
	s, err := c.Stats()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(s.NamespacesLost).To(BeZero())
}

// run runs argv as the container's workload and waits for it.
func run(c fakecontainer.Container, argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := c.Start(cmd); err != nil {
		return err
	}
	return cmd.Wait()
}
