package profilerecording_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/controllers/profilerecording"
)

const errno = seccompprofilev1beta1.ActionErrno

var nginxSyscalls = []string{"accept4", "close", "epoll_wait", "openat", "read", "write"}

// names turns syscall names into the CRD's type.
func names(n ...string) []seccompprofilev1beta1.SyscallName {
	out := make([]seccompprofilev1beta1.SyscallName, 0, len(n))
	for _, s := range n {
		out = append(out, seccompprofilev1beta1.SyscallName(s))
	}
	return out
}

// waitPartial waits until the SeccompProfile controller reported the
// profiles Partial: then the manager's cache, which the ProfileRecording
// controller shares, holds them.
func waitPartial(ps ...*seccompprofilev1beta1.SeccompProfile) {
	for _, p := range ps {
		Eventually(func(g Gomega) profilebasev1alpha1.ProfileState { return get(p)(g).Status.Status }, timeout).
			Should(Equal(profilebasev1alpha1.StatePartial), p.Name)
	}
}

// finalizers returns the recording's finalizers.
func finalizers(rec *profilerecordingv1alpha1.ProfileRecording) func(Gomega) []string {
	return func(g Gomega) []string { return get(rec)(g).Finalizers }
}

var _ = Describe("Merging partial profiles", func() {
	It("merges the manual's three nginx replicas into one profile with mknod when the recording is deleted", func() {
		ns := newNamespace()
		rec := newRecording(ns, "test-recording", profilerecordingv1alpha1.RecorderLogs, profilerecordingv1alpha1.MergeContainers)
		create(rec)
		Eventually(finalizers(rec), timeout).Should(ContainElement(keys.MergeFinalizer))

		// Only the pod the user exec'd into made mknod.
		partials := []*seccompprofilev1beta1.SeccompProfile{
			newPartial(ns, "test-recording", "nginx-record", "gmbrj", errno, "runc-v1.1.4", append([]string{"mknod"}, nginxSyscalls...)...),
			newPartial(ns, "test-recording", "nginx-record", "lclnb", errno, "runc-v1.1.4", nginxSyscalls...),
			newPartial(ns, "test-recording", "nginx-record", "wdv2r", errno, "runc-v1.1.4", "read", "write", "nanosleep"),
		}
		for _, p := range partials {
			create(p)
		}
		waitPartial(partials...)
		Expect(get(partials[0])(Default).Status.ReadyCondition().Message).To(Equal("waiting to be merged by ProfileRecording test-recording"))

		Expect(env.Client.Delete(ctx(), rec)).To(Succeed())
		Eventually(gone(rec), timeout).Should(BeTrue())

		got := get(newProfile(ns, "test-recording-nginx-record", errno, ""))(Default)
		Expect(got.Labels).To(Equal(map[string]string{keys.RecordingIDLabel: "test-recording"}))
		Expect(got.Spec.BaseProfileName).To(Equal("runc-v1.1.4"))
		Expect(got.Spec.DefaultAction).To(Equal(errno))
		Expect(got.Spec.Architectures).To(Equal([]seccompprofilev1beta1.Arch{"SCMP_ARCH_X86_64"}))
		Expect(got.Spec.Syscalls).To(HaveLen(1))
		Expect(got.Spec.Syscalls[0].Action).To(Equal(seccompprofilev1beta1.ActionAllow))
		Expect(got.Spec.Syscalls[0].Names).To(Equal(names("accept4", "close", "epoll_wait", "mknod", "nanosleep", "openat", "read", "write")))

		Eventually(profiles(ns, map[string]string{keys.PartialLabel: "true"}), timeout).Should(BeEmpty())
		Expect(profiles(ns, map[string]string{keys.RecordingIDLabel: "test-recording"})(Default)).To(Equal([]string{"test-recording-nginx-record"}))
		Eventually(events(ns, "test-recording", corev1.EventTypeNormal, profilerecording.EventProfilesMerged), timeout).
			Should(ConsistOf(ContainSubstring("merged 3 partial profile(s) into test-recording-nginx-record")))
		Eventually(func(g Gomega) profilebasev1alpha1.ProfileState { return get(got)(g).Status.Status }, timeout).
			ShouldNot(Equal(profilebasev1alpha1.StatePartial), "the merged profile is installed like any other")
	})

	It("merges two containers into two profiles and updates a merged profile left by an earlier pass", func() {
		ns := newNamespace()
		rec := newRecording(ns, "web", profilerecordingv1alpha1.RecorderLogs, profilerecordingv1alpha1.MergeContainers)
		create(rec)
		Eventually(finalizers(rec), timeout).Should(ContainElement(keys.MergeFinalizer))
		// As if an interrupted pass had merged fewer partials already.
		stale := newProfile(ns, "web-app", errno, "", "read")
		stale.Labels = map[string]string{keys.RecordingIDLabel: "web"}
		partials := []*seccompprofilev1beta1.SeccompProfile{
			newPartial(ns, "web", "app", "aaaaa", errno, "", "read", "listen"),
			newPartial(ns, "web", "app", "bbbbb", errno, "", "read", "accept4"),
			newPartial(ns, "web", "sidecar", "aaaaa", errno, "", "nanosleep"),
			newPartial(ns, "web", "sidecar", "bbbbb", errno, "", "nanosleep", "exit_group"),
		}
		create(stale)
		for _, p := range partials {
			create(p)
		}
		waitPartial(partials...)

		Expect(env.Client.Delete(ctx(), rec)).To(Succeed())
		Eventually(gone(rec), timeout).Should(BeTrue())
		// Deleted partials linger until the in-use finalizer goes.
		Eventually(profiles(ns, map[string]string{keys.RecordingIDLabel: "web"}), timeout).Should(Equal([]string{"web-app", "web-sidecar"}))
		app := get(stale)(Default)
		Expect(app.Spec.Syscalls[0].Names).To(Equal(names("accept4", "listen", "read")))
		sidecar := get(newProfile(ns, "web-sidecar", errno, ""))(Default)
		Expect(sidecar.Spec.Syscalls[0].Names).To(Equal(names("exit_group", "nanosleep")))
		Eventually(events(ns, "web", corev1.EventTypeNormal, profilerecording.EventProfilesMerged), timeout).
			Should(ConsistOf(ContainSubstring("into web-app, web-sidecar")))
	})

	It("deletes a recording that does not merge without a finalizer and leaves its profiles alone", func() {
		ns := newNamespace()
		rec := newRecording(ns, "plain", profilerecordingv1alpha1.RecorderLogs, profilerecordingv1alpha1.MergeNone)
		create(rec)
		recorded := newProfile(ns, "plain-nginx-abcde", errno, "", "read")
		recorded.Labels = map[string]string{keys.RecordingIDLabel: "plain"}
		create(recorded)
		// Once Ready is written the controller has seen the recording.
		Eventually(ready(rec), timeout).Should(HaveField("Reason", profilerecording.ReasonRecording))
		Expect(get(rec)(Default).Finalizers).To(BeEmpty())
		Expect(env.Client.Delete(ctx(), rec)).To(Succeed())
		Eventually(gone(rec), timeout).Should(BeTrue())
		Consistently(get(recorded), 2*time.Second).Should(HaveField("Labels", HaveKeyWithValue(keys.RecordingIDLabel, "plain")))
	})

	It("keeps the finalizer and says why when partials cannot be merged, and merges once they are fixed", func() {
		ns := newNamespace()
		rec := newRecording(ns, "conflict", profilerecordingv1alpha1.RecorderLogs, profilerecordingv1alpha1.MergeContainers)
		create(rec)
		Eventually(finalizers(rec), timeout).Should(ContainElement(keys.MergeFinalizer))
		good := newPartial(ns, "conflict", "app", "aaaaa", errno, "", "read")
		odd := newPartial(ns, "conflict", "app", "bbbbb", seccompprofilev1beta1.ActionLog, "", "write")
		create(good, odd)
		waitPartial(good, odd)

		Expect(env.Client.Delete(ctx(), rec)).To(Succeed())
		Eventually(ready(rec), timeout).Should(And(
			HaveField("Reason", profilerecording.ReasonMergeFailed),
			HaveField("Message", ContainSubstring("default action")),
			HaveField("Message", ContainSubstring(keys.MergeFinalizer)),
		))
		Eventually(events(ns, "conflict", corev1.EventTypeWarning, profilerecording.EventMergeFailed), timeout).
			Should(ConsistOf(ContainSubstring("conflict-app-aaaaa, conflict-app-bbbbb")))
		Consistently(finalizers(rec), 2*time.Second).Should(ContainElement(keys.MergeFinalizer))
		Expect(profiles(ns, map[string]string{keys.PartialLabel: "true"})(Default)).To(HaveLen(2))
		Expect(gone(newProfile(ns, "conflict-app", errno, ""))()).To(BeTrue(), "nothing is merged before the conflict is resolved")

		// Deleting the odd one out is a change to the recording's profiles:
		// the merge runs again and succeeds.
		Expect(env.Client.Delete(ctx(), odd)).To(Succeed())
		Eventually(gone(rec), timeout).Should(BeTrue())
		Expect(get(newProfile(ns, "conflict-app", errno, ""))(Default).Spec.Syscalls[0].Names).To(Equal(names("read")))
	})

	It("never overwrites a profile it did not make, and lets the user drop the finalizer", func() {
		ns := newNamespace()
		rec := newRecording(ns, "stuck", profilerecordingv1alpha1.RecorderLogs, profilerecordingv1alpha1.MergeContainers)
		create(rec)
		Eventually(finalizers(rec), timeout).Should(ContainElement(keys.MergeFinalizer))
		mine := newProfile(ns, "stuck-app", errno, "", "read")
		create(mine)
		partials := []*seccompprofilev1beta1.SeccompProfile{
			newPartial(ns, "stuck", "app", "aaaaa", errno, "", "read", "write"),
			newPartial(ns, "stuck", "app", "bbbbb", errno, "", "read", "mknod"),
		}
		for _, p := range partials {
			create(p)
		}
		waitPartial(partials...)
		Expect(env.Client.Delete(ctx(), rec)).To(Succeed())
		Eventually(ready(rec), timeout).Should(And(
			HaveField("Reason", profilerecording.ReasonMergeFailed),
			HaveField("Message", ContainSubstring("profile stuck-app exists and was not produced by the recording stuck")),
		))
		Eventually(events(ns, "stuck", corev1.EventTypeWarning, profilerecording.EventMergeFailed), timeout).Should(HaveLen(1))
		Expect(get(mine)(Default).Spec.Syscalls[0].Names).To(Equal(names("read")))

		// The README's `kubectl patch --type=merge -p '{"metadata":{"finalizers":null}}'`.
		patch := client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"finalizers":null}}`))
		Expect(env.Client.Patch(ctx(), get(rec)(Default), patch)).To(Succeed())
		Eventually(gone(rec), timeout).Should(BeTrue())
		Expect(profiles(ns, map[string]string{keys.PartialLabel: "true"})(Default)).To(HaveLen(2), "the partials stay for the user")
	})
})
