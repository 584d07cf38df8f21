package seccompprofile_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/securityprofiles/operator/apis/keys"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

// Every version of the profile the API server stored is looked at, from
// creation to Installed, so the spec asserts which states the profile went
// through, not how fast.
var _ = Describe("A new profile", func() {
	It("shows a state from the manager's first pass on, with its whole status", func() {
		ns := newNamespace(ctx())
		wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
		Expect(err).NotTo(HaveOccurred())
		w, err := wc.Watch(ctx(), &seccompprofilev1beta1.SeccompProfileList{}, client.InNamespace(ns))
		Expect(err).NotTo(HaveOccurred())
		defer w.Stop()
		Expect(env.Client.Create(ctx(), newProfile(ns, "first-sight", seccompprofilev1beta1.ActionLog, ""))).To(Succeed())

		var versions []string
		first := profilebasev1alpha1.ProfileState("")
		var firstStatus seccompprofilev1beta1.SeccompProfileStatus
		for last := first; last != profilebasev1alpha1.StateInstalled; {
			var ev watch.Event
			Eventually(w.ResultChan(), timeout).Should(Receive(&ev), "versions so far: %v", versions)
			sp, ok := ev.Object.(*seccompprofilev1beta1.SeccompProfile)
			Expect(ok).To(BeTrue(), "%s event with %T", ev.Type, ev.Object)
			held := controllerutil.ContainsFinalizer(sp, keys.InUseFinalizer)
			versions = append(versions, fmt.Sprintf("finalizer=%t status=%q", held, sp.Status.Status))
			// No pod uses it: the manager's only writes are its status.
			Expect(held).To(BeFalse(), "versions: %v", versions)
			if first == "" {
				first, firstStatus = sp.Status.Status, sp.Status
			}
			last = sp.Status.Status
		}
		// Pending, unless the three in-process daemons were quicker than
		// the manager's first pass.
		Expect(first).To(BeElementOf(profilebasev1alpha1.StatePending, profilebasev1alpha1.StateInProgress,
			profilebasev1alpha1.StateInstalled), "versions: %v", versions)
		// The first status is already the whole one, not a bare Pending
		// that the next pass rewrites: a profile costs one write less.
		Expect(firstStatus.LocalhostProfile).To(Equal("operator/" + ns + "/first-sight.json"))
		Expect(firstStatus.Nodes).NotTo(BeNil())
		Expect(firstStatus.Nodes.Total).To(BeEquivalentTo(len(nodes)))
	})
})
