package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

// TestSelinuxProbe runs the probe against fake proc directories: its
// termination message must be exactly the label value the manager accepts.
func TestSelinuxProbe(t *testing.T) {
	for _, tc := range []struct {
		name, filesystems, want string
	}{
		{name: "kernel runs SELinux", want: spodv1alpha1.SelinuxSupported,
			filesystems: "nodev\tsysfs\nnodev\tselinuxfs\n\text4\n"},
		{name: "kernel without SELinux", want: spodv1alpha1.SelinuxUnsupported,
			filesystems: "nodev\tsysfs\nnodev\tsecurityfs\n\text4\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			proc := t.TempDir()
			g.Expect(os.WriteFile(filepath.Join(proc, "filesystems"), []byte(tc.filesystems), 0o644)).To(Succeed())
			message := filepath.Join(t.TempDir(), "termination-log")
			var stdout, stderr bytes.Buffer

			g.Expect(runSelinuxProbe(proc, message, &stdout, &stderr)).To(Equal(0), stderr.String())
			g.Expect(os.ReadFile(message)).To(BeEquivalentTo(tc.want))
			g.Expect(stdout.String()).To(ContainSubstring(tc.want))
		})
	}
}

// TestSelinuxProbeCannotTell fails without writing a message: the kubelet
// restarts the init container instead of the manager labelling the node
// from a guess.
func TestSelinuxProbeCannotTell(t *testing.T) {
	g := NewWithT(t)
	message := filepath.Join(t.TempDir(), "termination-log")
	var stderr bytes.Buffer

	g.Expect(runSelinuxProbe(t.TempDir(), message, io.Discard, &stderr)).To(Equal(1))
	g.Expect(message).NotTo(BeAnExistingFile())
	g.Expect(stderr.String()).To(ContainSubstring("filesystems"))
}

// TestSelinuxProbeOnThisHost reads the real /proc; the expectation comes
// from the same file, so the test holds with and without SELinux.
func TestSelinuxProbeOnThisHost(t *testing.T) {
	g := NewWithT(t)
	filesystems, err := os.ReadFile("/proc/filesystems")
	g.Expect(err).NotTo(HaveOccurred())
	want := spodv1alpha1.SelinuxUnsupported
	for line := range strings.Lines(string(filesystems)) {
		if f := strings.Fields(line); len(f) > 0 && f[len(f)-1] == "selinuxfs" {
			want = spodv1alpha1.SelinuxSupported
		}
	}
	message := filepath.Join(t.TempDir(), "termination-log")

	g.Expect(runSelinuxProbe("/proc", message, io.Discard, io.Discard)).To(Equal(0))
	g.Expect(os.ReadFile(message)).To(BeEquivalentTo(want))
}

// TestParseFlagsSelinuxProbe: the spod controller starts the init
// container as `selinux-probe --verbosity=N`; it reads its own /proc,
// whose filesystems file is the node's.
func TestParseFlagsSelinuxProbe(t *testing.T) {
	g := NewWithT(t)
	o, err := parseFlags([]string{"selinux-probe", "--verbosity=1"}, io.Discard)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(o.mode).To(Equal(modeSelinuxProbe))
	g.Expect(o.procDir).To(Equal("/proc"))

	_, err = parseFlags([]string{"selinux-prob"}, io.Discard)
	g.Expect(err).To(MatchError(ContainSubstring(`unknown mode "selinux-prob"`)))
}
