package selinux_test

import (
	"context"
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/yaml"

	"github.com/securityprofiles/operator/apis/keys"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	"github.com/securityprofiles/operator/daemon/selinux"
	"github.com/securityprofiles/operator/internal/selinuxcil"
	"github.com/securityprofiles/operator/internal/selinuxd/selinuxdtest"
)

const (
	kindSP  = "SelinuxProfile"
	kindRaw = "RawSelinuxProfile"
	// semodule rebuilds a whole policy store per install or removal, one
	// at a time in this binary.
	installTimeout = 3 * time.Minute
	// holdFinalizer is this suite's own: it keeps a deleted profile
	// readable while a spec watches the node remove its copy.
	holdFinalizer = "test.spo.x-k8s.io/hold"
)

// nginxSecure is the user manual's "Create a SELinux Profile" example.
const nginxSecure = `
apiVersion: security-profiles-operator.x-k8s.io/v1alpha2
kind: SelinuxProfile
metadata:
  name: nginx-secure
  namespace: nginx-deploy
spec:
  allow:
    "@self":
      tcp_socket:
        - listen
    http_cache_port_t:
      tcp_socket:
        - name_bind
    node_t:
      tcp_socket:
        - node_bind
  inherit:
    - kind: System
      name: container
`

// One node's life: its daemon starts before selinuxd, which a spec starts
// later, so the suite installs only three policies and removes one.
var _ = Describe("A node with SELinux", Ordered, func() {
	const (
		nginxPolicy = "nginx-secure_nginx-deploy"
		rawPolicy   = "errorlogger_raw"
	)
	var (
		nginx  *selinuxprofilev1alpha2.SelinuxProfile
		server *selinuxdtest.Server
	)
	recorded := &selinuxprofilev1alpha2.SelinuxProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "recorded", Namespace: rawNamespace},
		Spec: selinuxprofilev1alpha2.SelinuxProfileSpec{Allow: selinuxprofilev1alpha2.Allow{
			"@self": {"tcp_socket": {"listen"}},
		}},
	}
	raw := &selinuxprofilev1alpha2.RawSelinuxProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "errorlogger", Namespace: rawNamespace},
		Spec: selinuxprofilev1alpha2.RawSelinuxProfileSpec{
			Policy: "(blockinherit container)\n(allow process var_log_t ( dir ( open read getattr search )))\n",
		},
	}

	It("writes policy files while selinuxd is down and reports CannotContactSelinuxd", func(ctx SpecContext) {
		before, updates := errorsCounted(selinux.ReasonCannotContact), operationsCounted("update")
		nginx = &selinuxprofilev1alpha2.SelinuxProfile{}
		Expect(yaml.Unmarshal([]byte(nginxSecure), nginx)).To(Succeed())
		// In-use as the manager holds it while pods run with the type.
		nginx.Finalizers = []string{keys.InUseFinalizer, holdFinalizer}
		Expect(env.Client.Create(ctx, nginx)).To(Succeed())
		Expect(env.Client.Create(ctx, raw)).To(Succeed())

		Eventually(nodeState(ctx, kindSP, nginxNamespace, nginx.Name, nodeA)).Should(Equal("InProgress/" + selinux.ReasonCannotContact))
		Eventually(nodeState(ctx, kindRaw, rawNamespace, raw.Name, nodeA)).Should(Equal("InProgress/" + selinux.ReasonCannotContact))
		want, err := selinuxcil.Translate(nginx, selinuxcil.Options{AllowedSystemProfiles: []string{"container"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(os.ReadFile(nodeA.file(nginxPolicy))).To(Equal(want))
		want, err = selinuxcil.Raw(raw)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.ReadFile(nodeA.file(rawPolicy))).To(Equal(want))
		Expect(os.ReadFile(nodeA.file(selinux.RecordingPolicy))).To(Equal(selinux.RecordingPolicyCIL))
		Eventually(nodeA.file(orphanPolicy)).ShouldNot(BeAnExistingFile(), "swept at start: its profile is gone")
		Expect(errorsCounted(selinux.ReasonCannotContact)).To(BeNumerically(">", before))
		Expect(operationsCounted("update")).To(BeNumerically(">=", updates+2))
	}, SpecTimeout(time.Minute))

	It("removes the files of disabled and partial profiles", func(ctx SpecContext) {
		off := &selinuxprofilev1alpha2.RawSelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "switched-off", Namespace: rawNamespace},
			Spec:       selinuxprofilev1alpha2.RawSelinuxProfileSpec{Policy: "(blockinherit container)\n"},
		}
		Expect(env.Client.Create(ctx, off)).To(Succeed())
		Expect(env.Client.Create(ctx, recorded)).To(Succeed())
		Eventually(nodeA.file("switched-off_raw")).Should(BeAnExistingFile())
		Eventually(nodeA.file("recorded_raw")).Should(BeAnExistingFile())

		patch := client.MergeFrom(off.DeepCopy())
		off.Spec.Disabled = true
		Expect(env.Client.Patch(ctx, off, patch)).To(Succeed())
		Eventually(nodeState(ctx, kindRaw, rawNamespace, off.Name, nodeA)).Should(Equal("Disabled/" + selinux.ReasonDisabled))
		Expect(nodeA.file("switched-off_raw")).NotTo(BeAnExistingFile())

		// A per-container recording waiting to be merged is never enforced.
		patch = client.MergeFrom(recorded.DeepCopy())
		recorded.Labels = map[string]string{keys.PartialLabel: "true"}
		Expect(env.Client.Patch(ctx, recorded, patch)).To(Succeed())
		Eventually(nodeA.file("recorded_raw")).ShouldNot(BeAnExistingFile())
		// Its status goes once selinuxd confirms the module is gone.
		Eventually(nodeState(ctx, kindSP, rawNamespace, recorded.Name, nodeA)).
			Should(Equal("Terminating/" + selinux.ReasonCannotContact))
	}, SpecTimeout(time.Minute))

	It("removes the file of a profile that stops complying", func(ctx SpecContext) {
		sp := &selinuxprofilev1alpha2.SelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "drifting", Namespace: rawNamespace},
			Spec: selinuxprofilev1alpha2.SelinuxProfileSpec{Allow: selinuxprofilev1alpha2.Allow{
				"@self": {"tcp_socket": {"listen"}},
			}},
		}
		Expect(env.Client.Create(ctx, sp)).To(Succeed())
		Eventually(nodeA.file("drifting_raw")).Should(BeAnExistingFile())
		// "not" passes the CRD, but CIL would read "( not listen )" as
		// every tcp_socket permission except listen.
		patch := client.MergeFrom(sp.DeepCopy())
		sp.Spec.Allow["@self"]["tcp_socket"] = selinuxprofilev1alpha2.PermissionSet{"not", "listen"}
		Expect(env.Client.Patch(ctx, sp, patch)).To(Succeed())
		Eventually(nodeState(ctx, kindSP, rawNamespace, sp.Name, nodeA)).Should(Equal("Error/" + selinux.ReasonInvalid))
		Expect(nodeA.file("drifting_raw")).NotTo(BeAnExistingFile())
		Eventually(func() []string {
			return eventNotes(ctx, rawNamespace, sp.Name, corev1.EventTypeWarning, selinux.ReasonInvalid)
		}).Should(ContainElement(ContainSubstring(`"not"`)))
	}, SpecTimeout(time.Minute))

	It("rejects injection attempts and writes nothing", func(ctx SpecContext) {
		invalid, invalidRaw := errorsCounted(selinux.ReasonInvalid), errorsCounted(selinux.ReasonInvalidRaw)
		files := dirEntries(nodeA.dir)
		// "all" passes the CRD's permission pattern, but CIL reads it as an
		// operator: every permission on the class.
		grab := &selinuxprofilev1alpha2.SelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "grab-all", Namespace: attackNamespace},
			Spec: selinuxprofilev1alpha2.SelinuxProfileSpec{Allow: selinuxprofilev1alpha2.Allow{
				"shadow_t": {"file": {"all"}},
			}},
		}
		// A raw policy declaring another namespace's block, to replace
		// nginx-secure's policy with a permissive one.
		hijack := &selinuxprofilev1alpha2.RawSelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "hijack", Namespace: attackNamespace},
			Spec: selinuxprofilev1alpha2.RawSelinuxProfileSpec{
				Policy: "(block " + nginxPolicy + "\n    (blockinherit container)\n    (typepermissive process)\n)\n",
			},
		}
		Expect(env.Client.Create(ctx, grab)).To(Succeed())
		Expect(env.Client.Create(ctx, hijack)).To(Succeed())

		Eventually(nodeState(ctx, kindSP, attackNamespace, grab.Name, nodeA)).Should(Equal("Error/" + selinux.ReasonInvalid))
		Eventually(nodeState(ctx, kindRaw, attackNamespace, hijack.Name, nodeA)).Should(Equal("Error/" + selinux.ReasonInvalidRaw))
		Expect(nodeMessage(ctx, kindSP, attackNamespace, grab.Name, nodeA)).To(ContainSubstring(`"all"`))
		Expect(nodeMessage(ctx, kindRaw, attackNamespace, hijack.Name, nodeA)).To(ContainSubstring(nginxPolicy))
		Expect(dirEntries(nodeA.dir)).To(Equal(files))
		want, err := selinuxcil.Translate(nginx, selinuxcil.Options{AllowedSystemProfiles: []string{"container"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(os.ReadFile(nodeA.file(nginxPolicy))).To(Equal(want))
		Eventually(func() []string {
			return eventNotes(ctx, attackNamespace, hijack.Name, corev1.EventTypeWarning, selinux.ReasonInvalidRaw)
		}).Should(ContainElement(ContainSubstring("Not installed on node " + nodeWithSelinux)))
		Expect(errorsCounted(selinux.ReasonInvalid)).To(BeNumerically(">", invalid))
		Expect(errorsCounted(selinux.ReasonInvalidRaw)).To(BeNumerically(">", invalidRaw))
	}, SpecTimeout(time.Minute))

	// While selinuxd is down: nothing is installed, only files change. The
	// spec leaves no file behind for selinuxd to install.
	It("leaves a name's policy file to the SelinuxProfile while a RawSelinuxProfile shares the name", func(ctx SpecContext) {
		const twinPolicy = "twin_" + rawNamespace
		conflicts := errorsCounted(selinux.ReasonNameConflict)
		sp := &selinuxprofilev1alpha2.SelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "twin", Namespace: rawNamespace},
			Spec: selinuxprofilev1alpha2.SelinuxProfileSpec{Allow: selinuxprofilev1alpha2.Allow{
				"@self": {"tcp_socket": {"listen"}},
			}},
		}
		newRaw := func() *selinuxprofilev1alpha2.RawSelinuxProfile {
			return &selinuxprofilev1alpha2.RawSelinuxProfile{
				ObjectMeta: metav1.ObjectMeta{Name: "twin", Namespace: rawNamespace},
				Spec:       selinuxprofilev1alpha2.RawSelinuxProfileSpec{Policy: "(blockinherit container)\n"},
			}
		}
		spCIL, err := selinuxcil.Translate(sp, selinuxcil.Options{AllowedSystemProfiles: []string{"container"}})
		Expect(err).NotTo(HaveOccurred())
		rawCIL, err := selinuxcil.Raw(newRaw())
		Expect(err).NotTo(HaveOccurred())
		// As strings, for a readable failure.
		file := func() (string, error) {
			b, err := os.ReadFile(nodeA.file(twinPolicy))
			return string(b), err
		}
		rawState := nodeState(ctx, kindRaw, rawNamespace, "twin", nodeA)

		Expect(env.Client.Create(ctx, sp)).To(Succeed())
		Eventually(file).Should(Equal(string(spCIL)))
		raw := newRaw()
		Expect(env.Client.Create(ctx, raw)).To(Succeed())
		Eventually(rawState).Should(Equal("Error/" + selinux.ReasonNameConflict))
		Expect(nodeMessage(ctx, kindRaw, rawNamespace, "twin", nodeA)).To(ContainSubstring("SelinuxProfile " + rawNamespace + "/twin"))
		Expect(file()).To(Equal(string(spCIL)))
		Expect(errorsCounted(selinux.ReasonNameConflict)).To(BeNumerically(">", conflicts))

		// Its status goes at once: the policy was never its own.
		Expect(env.Client.Delete(ctx, raw)).To(Succeed())
		Eventually(rawState).Should(Equal("gone"))
		Expect(file()).To(Equal(string(spCIL)))

		// A raw profile waiting for the name gets it when the
		// SelinuxProfile goes.
		raw = newRaw()
		Expect(env.Client.Create(ctx, raw)).To(Succeed())
		Eventually(rawState).Should(Equal("Error/" + selinux.ReasonNameConflict))
		Expect(env.Client.Delete(ctx, sp)).To(Succeed())
		Eventually(file).Should(Equal(string(rawCIL)))
		Eventually(rawState).Should(Equal("InProgress/" + selinux.ReasonCannotContact))

		Expect(env.Client.Delete(ctx, raw)).To(Succeed())
		Eventually(nodeA.file(twinPolicy)).ShouldNot(BeAnExistingFile())
	}, SpecTimeout(time.Minute))

	It("installs the policies into the policy store once selinuxd starts", func(ctx SpecContext) {
		cannotSave := errorsCounted(selinux.ReasonCannotSave)
		// Valid CIL that no policy store can take: the type does not exist.
		broken := &selinuxprofilev1alpha2.RawSelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "broken", Namespace: rawNamespace},
			Spec: selinuxprofilev1alpha2.RawSelinuxProfileSpec{
				Policy: "(blockinherit container)\n(allow process no_such_t ( file ( read )))\n",
			},
		}
		Expect(env.Client.Create(ctx, broken)).To(Succeed())
		Eventually(nodeA.file("broken_raw")).Should(BeAnExistingFile())
		// Started from a spec: selinuxdtest needs the go test's T. It
		// returns once it handled the files already there.
		server = selinuxdtest.Start(suiteT, selinuxdtest.Options{Socket: nodeA.socket, PolicyDir: nodeA.dir, Store: storeA})
		Eventually(nodeState(ctx, kindSP, nginxNamespace, nginx.Name, nodeA)).WithTimeout(installTimeout).
			Should(Equal("Installed/" + selinux.ReasonInstalled))
		Eventually(nodeState(ctx, kindRaw, rawNamespace, raw.Name, nodeA)).WithTimeout(installTimeout).
			Should(Equal("Installed/" + selinux.ReasonInstalled))
		// An Installed state carries no message: it would only repeat itself.
		Expect(nodeMessage(ctx, kindSP, nginxNamespace, nginx.Name, nodeA)).To(BeEmpty())
		installed := []string{nginxPolicy, rawPolicy, selinux.RecordingPolicy}
		Expect(server.Installed()).To(ConsistOf(installed))
		Expect(storeA.Modules(suiteT)).To(ContainElements(installed))
		// A node reports an install in its status, not with an Event (the
		// manager announces the profile once every node has it).
		Consistently(func() []string {
			return eventNotes(ctx, nginxNamespace, nginx.Name, corev1.EventTypeNormal, selinux.ReasonInstalled)
		}, 2*time.Second).Should(BeEmpty())

		// selinuxd's own message reaches the node status.
		Eventually(nodeState(ctx, kindRaw, rawNamespace, broken.Name, nodeA)).WithTimeout(installTimeout).
			Should(Equal("Error/" + selinux.ReasonCannotSave))
		Expect(nodeMessage(ctx, kindRaw, rawNamespace, broken.Name, nodeA)).To(ContainSubstring("Failed to resolve allow statement"))
		Expect(storeA.Modules(suiteT)).NotTo(ContainElement("broken_raw"))
		Eventually(nodeState(ctx, kindSP, rawNamespace, recorded.Name, nodeA)).Should(Equal("gone"))
		Expect(errorsCounted(selinux.ReasonCannotSave)).To(BeNumerically(">", cannotSave))
	}, SpecTimeout(2*installTimeout))

	It("removes the module once the profile is deleted and no pod uses it", func(ctx SpecContext) {
		state := nodeState(ctx, kindSP, nginxNamespace, nginx.Name, nodeA)
		Expect(env.Client.Delete(ctx, nginx)).To(Succeed())
		Eventually(state).Should(Equal("Terminating/" + selinux.ReasonInUse))
		Expect(nodeA.file(nginxPolicy)).To(BeAnExistingFile(), "pods still run with the type")
		removeFinalizer(ctx, nginx, keys.InUseFinalizer)
		Eventually(state).WithTimeout(time.Minute).Should(Equal("Terminating/" + selinux.ReasonRemoving))
		Expect(nodeA.file(nginxPolicy)).NotTo(BeAnExistingFile())
		Eventually(state).WithTimeout(installTimeout).Should(Equal("gone"))
		// The status goes only after selinuxd removed the module.
		Expect(server.Installed()).NotTo(ContainElement(nginxPolicy))
		Expect(storeA.Modules(suiteT)).NotTo(ContainElement(nginxPolicy))
		removeFinalizer(ctx, nginx, holdFinalizer)
	}, SpecTimeout(2*installTimeout))
})

var _ = Describe("A node whose kernel has SELinux disabled", func() {
	It("reports SelinuxNotSupportedOnNode and writes nothing", func(ctx SpecContext) {
		before := errorsCounted(selinux.ReasonNotSupported)
		sp := &selinuxprofilev1alpha2.SelinuxProfile{}
		Expect(yaml.Unmarshal([]byte(nginxSecure), sp)).To(Succeed())
		sp.Namespace = noSelinuxNS
		Expect(env.Client.Create(ctx, sp)).To(Succeed())

		Eventually(nodeState(ctx, kindSP, noSelinuxNS, sp.Name, nodeB)).Should(Equal("Error/" + selinux.ReasonNotSupported))
		Expect(nodeMessage(ctx, kindSP, noSelinuxNS, sp.Name, nodeB)).To(ContainSubstring("SELinux is not enabled in this node's kernel"))
		Expect(dirEntries(nodeB.dir)).To(BeEmpty())
		Eventually(func() []string {
			return eventNotes(ctx, noSelinuxNS, sp.Name, corev1.EventTypeWarning, selinux.ReasonNotSupported)
		}).Should(ContainElement(ContainSubstring(nodeNoSelinux)))
		Expect(errorsCounted(selinux.ReasonNotSupported)).To(BeNumerically(">", before))
	}, SpecTimeout(time.Minute))
})

// removeFinalizer drops one finalizer, as its owner would.
func removeFinalizer(ctx context.Context, obj client.Object, finalizer string) {
	Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
	controllerutil.RemoveFinalizer(obj, finalizer)
	Expect(env.Client.Patch(ctx, obj, patch)).To(Succeed())
}
