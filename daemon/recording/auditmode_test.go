//go:build !no_bpf

package recording_test

import (
	"os/exec"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/daemon/auditmode"
	"github.com/securityprofiles/operator/internal/podprofiles"
	"github.com/securityprofiles/operator/test/fakecontainer"
)

var _ = Describe("Audit mode", func() {
	It("lists on the profile the calls its audit copy let through, per image, and nothing of other containers", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		sp := &seccompprofilev1beta1.SeccompProfile{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "audited"},
			Spec:       seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: seccompprofilev1beta1.ActionErrno},
		}
		Expect(env.Client.Create(ctx, sp)).To(Succeed())

		audited := fakecontainer.New(GinkgoT())
		path := podprofiles.AuditLocalhostPath(ns, "audited")
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "audit-pod"},
			Spec: corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "work", Image: "busybox:audit",
				SecurityContext: &corev1.SecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &path}}}}},
		}
		Expect(env.Client.Create(ctx, pod)).To(Succeed())
		dir := GinkgoT().TempDir()
		// Each mkdir stays a zombie until the end: the log enricher finds a
		// record's container through /proc/<pid>/cgroup, which a reaped
		// process no longer has, and on a busy machine it may read the
		// record after mkdir exited.
		var started []*exec.Cmd
		mkdir := func(c fakecontainer.Container, name string) {
			cmd := exec.Command(auditLauncher, "/bin/mkdir", filepath.Join(dir, name))
			Expect(c.Start(cmd)).To(Succeed())
			started = append(started, cmd)
			Eventually(filepath.Join(dir, name)).WithTimeout(10*time.Second).Should(BeADirectory(), "audit mode never blocks")
		}
		defer func() {
			for _, cmd := range started {
				Expect(cmd.Wait()).To(Succeed(), "audit mode never blocks")
			}
		}()
		// A first call before the kubelet reported the container's ID.
		mkdir(audited, "early")
		time.Sleep(500 * time.Millisecond)
		pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "work", ContainerID: "containerd://" + audited.ID}}
		Expect(env.Client.Status().Update(ctx, pod)).To(Succeed())
		// A container enforcing nothing but running the same filter, not
		// bound in audit mode: its records are not the profile's.
		other := fakecontainer.New(GinkgoT())
		startPod(ctx, ns, "other-pod", "unrelated", "bpf", other)
		Eventually(func() bool {
			_, a := logRec.Directory.Lookup(audited.ID)
			_, o := logRec.Directory.Lookup(other.ID)
			return a && o
		}).WithTimeout(10 * time.Second).Should(BeTrue())

		for i, c := range []fakecontainer.Container{audited, audited, other} {
			mkdir(c, string(rune('a'+i)))
		}

		got := &seccompprofilev1beta1.SeccompProfile{}
		Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(sp), got)).To(Succeed())
			g.Expect(got.Status.AuditedSyscalls).To(HaveLen(1))
			a := got.Status.AuditedSyscalls[0]
			g.Expect(a.Image).To(Equal("busybox:audit"))
			g.Expect(a.Syscall).To(BeElementOf("mkdir", "mkdirat"))
			g.Expect(a.Count).To(BeEquivalentTo(3), "the audited container's three calls, the one before its pod named it too, none of the other's")
			g.Expect(a.FirstSeen.Time).NotTo(BeTemporally(">", a.LastSeen.Time))
		}).WithTimeout(45 * time.Second).Should(Succeed())
		Eventually(func(g Gomega) []string {
			list := &eventsv1.EventList{}
			g.Expect(env.Client.List(ctx, list, client.InNamespace(ns))).To(Succeed())
			var notes []string
			for _, e := range list.Items {
				if e.Reason == auditmode.ReasonAuditedSyscall && e.Regarding.Name == "audited" {
					notes = append(notes, e.Note)
				}
			}
			return notes
		}).WithTimeout(10 * time.Second).Should(ConsistOf(MatchRegexp(`Audit mode: container work of pod ` + ns + `/audit-pod \(image busybox:audit\) called mkdir(at)? on node ` + nodeName + `, which this profile would block`)))
	}, SpecTimeout(2*time.Minute))
})
