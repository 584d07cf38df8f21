package seccomp

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestStoreWritesAtomicallyAndOnlyOnChange(t *testing.T) {
	g := NewWithT(t)
	storage, kubelet := t.TempDir(), t.TempDir()
	s, err := OpenStore(storage, kubelet)
	g.Expect(err).NotTo(HaveOccurred())
	defer s.Close()

	changed, err := s.Write("my-namespace", "profile1", []byte("{}\n"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(changed).To(BeTrue())
	// The kubelet sees it through the link.
	data, err := os.ReadFile(filepath.Join(kubelet, "seccomp", "operator", "my-namespace", "profile1.json"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(data)).To(Equal("{}\n"))

	fi, err := os.Stat(s.Path("my-namespace", "profile1"))
	g.Expect(err).NotTo(HaveOccurred())
	time.Sleep(10 * time.Millisecond)
	changed, err = s.Write("my-namespace", "profile1", []byte("{}\n"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(changed).To(BeFalse())
	again, _ := os.Stat(s.Path("my-namespace", "profile1"))
	g.Expect(again.ModTime()).To(Equal(fi.ModTime()))

	entries, _ := os.ReadDir(filepath.Join(storage, "my-namespace"))
	g.Expect(entries).To(HaveLen(1), "no temporary files are left behind")

	removed, err := s.Remove("my-namespace", "profile1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(removed).To(BeTrue())
	g.Expect(filepath.Join(storage, "my-namespace")).NotTo(BeADirectory())
	removed, err = s.Remove("my-namespace", "profile1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(removed).To(BeFalse())
}

func TestStoreRefusesNamesThatEscape(t *testing.T) {
	g := NewWithT(t)
	s, err := OpenStore(t.TempDir(), t.TempDir())
	g.Expect(err).NotTo(HaveOccurred())
	defer s.Close()
	for _, tc := range [][2]string{{"..", "x"}, {"ns", "../../etc/passwd"}, {"ns/..", "x"}, {"ns", "a/b"}, {"", "x"}} {
		_, err := s.Write(tc[0], tc[1], []byte("{}"))
		g.Expect(err).To(HaveOccurred(), "%v", tc)
	}
}

func TestOpenStoreLinksKubeletRoot(t *testing.T) {
	g := NewWithT(t)
	storage, kubelet := t.TempDir(), t.TempDir()
	link := filepath.Join(kubelet, "seccomp", "operator")
	// An empty directory left by someone else is replaced by the link.
	g.Expect(os.MkdirAll(link, 0o755)).To(Succeed())
	s, err := OpenStore(storage, kubelet)
	g.Expect(err).NotTo(HaveOccurred())
	s.Close()
	dest, err := os.Readlink(link)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(dest).To(Equal(storage))
	// Opening again keeps the link.
	s, err = OpenStore(storage, kubelet)
	g.Expect(err).NotTo(HaveOccurred())
	s.Close()

	// A directory with files in it is not ours to replace.
	other := t.TempDir()
	busy := filepath.Join(other, "seccomp", "operator")
	g.Expect(os.MkdirAll(busy, 0o755)).To(Succeed())
	g.Expect(os.WriteFile(filepath.Join(busy, "keep.json"), []byte("{}"), 0o644)).To(Succeed())
	_, err = OpenStore(storage, other)
	g.Expect(err).To(MatchError(ContainSubstring("non-empty directory")))
}

func TestWriteOperatorProfile(t *testing.T) {
	g := NewWithT(t)
	kubelet := t.TempDir()
	s, err := OpenStore(t.TempDir(), kubelet)
	g.Expect(err).NotTo(HaveOccurred())
	defer s.Close()
	changed, err := s.WriteOperatorProfile("spo-log-all", []byte(`{"defaultAction":"SCMP_ACT_LOG"}`))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(changed).To(BeTrue())
	g.Expect(filepath.Join(kubelet, "seccomp", "operator", "spo-log-all.json")).To(BeAnExistingFile())
	_, err = s.WriteOperatorProfile("../escape", []byte("{}"))
	g.Expect(err).To(HaveOccurred())
}

func TestStoreWritesIntoDirectoriesRemovedUnderIt(t *testing.T) {
	g := NewWithT(t)
	storage := t.TempDir()
	s, err := OpenStore(storage, t.TempDir())
	g.Expect(err).NotTo(HaveOccurred())
	defer s.Close()
	write := func(name string) {
		t.Helper()
		_, err := s.Write("ns", name, []byte(name))
		g.Expect(err).NotTo(HaveOccurred())
		_, err = s.WriteAudit("ns", name, []byte(name))
		g.Expect(err).NotTo(HaveOccurred())
		for _, path := range []string{s.Path("ns", name), s.AuditPath("ns", name)} {
			g.Expect(os.ReadFile(path)).To(Equal([]byte(name)), path)
		}
	}
	write("first")
	// Remove drops the emptied directories the store keeps open...
	_, err = s.Remove("ns", "first")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(filepath.Join(storage, "ns")).NotTo(BeADirectory())
	write("second")
	// ...and so may someone else.
	g.Expect(os.RemoveAll(filepath.Join(storage, "ns"))).To(Succeed())
	write("third")

	// A directory swapped for a link out of the storage is not followed.
	outside := t.TempDir()
	g.Expect(os.RemoveAll(filepath.Join(storage, "ns"))).To(Succeed())
	g.Expect(os.Symlink(outside, filepath.Join(storage, "ns"))).To(Succeed())
	_, err = s.Write("ns", "fourth", []byte("x"))
	g.Expect(err).To(HaveOccurred())
	g.Expect(os.ReadDir(outside)).To(BeEmpty())
}
