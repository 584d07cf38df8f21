package profilerecording_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	"github.com/securityprofiles/operator/controllers/profilerecording"
)

// newSelinuxPartial is a partial SelinuxProfile as a node daemon records
// it for one pod of a SELinux recording with mergeStrategy containers.
func newSelinuxPartial(ns, recording, container, suffix string, allow selinuxprofilev1alpha2.Allow) *selinuxprofilev1alpha2.SelinuxProfile {
	name := recording + "-" + container + "-" + suffix
	return &selinuxprofilev1alpha2.SelinuxProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{
			keys.RecordingIDLabel: recording, keys.PartialLabel: "true", keys.ContainerIDLabel: container,
			keys.ProfileIDLabel: "SelinuxProfile-" + name,
		}},
		Spec: selinuxprofilev1alpha2.SelinuxProfileSpec{
			Inherit: []selinuxprofilev1alpha2.PolicyRef{{Kind: selinuxprofilev1alpha2.PolicyKindSystem, Name: "container"}},
			Allow:   allow,
		},
	}
}

// selinuxPartials lists the sorted names of the partial SelinuxProfiles in ns.
func selinuxPartials(ns string) func(Gomega) []string {
	return func(g Gomega) []string {
		list := &selinuxprofilev1alpha2.SelinuxProfileList{}
		g.Expect(env.Client.List(ctx(), list, client.InNamespace(ns), client.MatchingLabels{keys.PartialLabel: "true"})).To(Succeed())
		var out []string
		for _, p := range list.Items {
			out = append(out, p.Name)
		}
		return out
	}
}

var _ = Describe("Merging partial SelinuxProfiles", func() {
	It("merges two replicas' partials into one disabled profile and deletes them when the recording is deleted", func() {
		requireProfilesInCRD()
		ns := newNamespace()
		rec := newRecording(ns, "sel", profilerecordingv1alpha1.RecorderLogs, profilerecordingv1alpha1.MergeContainers)
		rec.Spec.Kind = profilerecordingv1alpha1.RecordingKindSelinux
		rec.Spec.DisableProfileAfterRecording = true
		create(rec)
		Eventually(finalizers(rec), timeout).Should(ContainElement(keys.MergeFinalizer))

		// Only the replica that served traffic listened and wrote its log.
		busy := newSelinuxPartial(ns, "sel", "nginx", "m5dqz", selinuxprofilev1alpha2.Allow{
			"@self":             {"tcp_socket": {"listen"}},
			"http_cache_port_t": {"tcp_socket": {"name_bind"}},
			"var_log_t":         {"file": {"open", "write"}},
		})
		idle := newSelinuxPartial(ns, "sel", "nginx", "r8wtc", selinuxprofilev1alpha2.Allow{
			"http_cache_port_t": {"tcp_socket": {"name_bind"}},
			"var_log_t":         {"file": {"append", "open"}},
		})
		create(busy, idle)
		// Once the status lists them, the controller's cache holds them.
		Eventually(statusProfiles(rec), timeout).Should(Equal([]string{busy.Name, idle.Name}))

		Expect(env.Client.Delete(ctx(), rec)).To(Succeed())
		Eventually(gone(rec), timeout).Should(BeTrue())

		merged := &selinuxprofilev1alpha2.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "sel-nginx"}}
		got := get(merged)(Default)
		Expect(got.Labels).To(Equal(map[string]string{keys.RecordingIDLabel: "sel"}))
		Expect(got.Spec.Disabled).To(BeTrue(), "disableProfileAfterRecording")
		Expect(got.Spec.Inherit).To(Equal([]selinuxprofilev1alpha2.PolicyRef{{Kind: selinuxprofilev1alpha2.PolicyKindSystem, Name: "container"}}))
		Expect(got.Spec.Allow).To(Equal(selinuxprofilev1alpha2.Allow{
			"@self":             {"tcp_socket": {"listen"}},
			"http_cache_port_t": {"tcp_socket": {"name_bind"}},
			"var_log_t":         {"file": {"append", "open", "write"}},
		}))
		Eventually(selinuxPartials(ns), timeout).Should(BeEmpty())
		Eventually(events(ns, "sel", corev1.EventTypeNormal, profilerecording.EventProfilesMerged), timeout).
			Should(ConsistOf(ContainSubstring("merged 2 partial profile(s) into sel-nginx")))
	})
})
