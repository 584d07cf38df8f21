package spod_test

import (
	"context"
	"fmt"
	"slices"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/spod"
	daemonseccomp "github.com/securityprofiles/operator/daemon/seccomp"
)

// effect asserts that one spod spec field, as the patch body sets it
// (want), shows in what the controller deployed (d). It compares with the
// body, never with spod as read back, so a value the API server or the
// manager lost cannot pass for the one the patch asked for.
type effect func(ctx context.Context, g Gomega, want spodv1alpha1.SPODSpec, d deployed)

// specOf decodes a patch body's spec as the effects expect it; a field the
// type does not know fails, as it would on the API server.
func specOf(body string) spodv1alpha1.SPODSpec {
	var p struct {
		Spec spodv1alpha1.SPODSpec `json:"spec"`
	}
	Expect(yaml.UnmarshalStrict([]byte(body), &p)).To(Succeed())
	return p.Spec
}

// effects has one entry per spec field the manual patches. A patch
// setting a field without an entry fails the suite, so a new manual
// command cannot go untested.
var effects = map[string]effect{
	"webhookOptions":             webhookOptionsEffect,
	"priorityClassName":          priorityClassEffect,
	"verbosity":                  verbosityEffect,
	"selinuxTypeTag":             selinuxTypeEffect,
	"daemonResourceRequirements": resourcesEffect,
	"allowedSyscalls":            allowedSyscallsEffect,
	"tolerations":                tolerationsEffect,
	"affinity":                   affinityEffect,
	"enableMemoryOptimization":   envEffect(spod.EnvMemoryOptimization),
	"enableBpfRecorder":          recorderEffect(spod.BpfRecorderContainer),
	"enableLogEnricher":          recorderEffect(spod.LogEnricherContainer),
	"enableProfiling":            profilingEffect,
	"hostProcVolumePath":         hostProcEffect,
	"apparmorenabled":            appArmorEffect,
	"enableAppArmor":             appArmorEffect,
	"enableSelinux":              selinuxEffect,
}

func webhookOptionsEffect(_ context.Context, g Gomega, want spodv1alpha1.SPODSpec, d deployed) {
	g.Expect(want.WebhookOpts).NotTo(BeEmpty())
	for _, opt := range want.WebhookOpts {
		i := slices.IndexFunc(d.mwc.Webhooks, func(h admissionregistrationv1.MutatingWebhook) bool { return h.Name == opt.Name })
		g.Expect(i).To(BeNumerically(">=", 0), opt.Name)
		h := d.mwc.Webhooks[i]
		if opt.FailurePolicy != nil {
			g.Expect(*h.FailurePolicy).To(Equal(*opt.FailurePolicy))
		}
		if opt.NamespaceSelector != nil {
			g.Expect(equality.Semantic.DeepEqual(h.NamespaceSelector, opt.NamespaceSelector)).To(BeTrue(), opt.Name)
		}
		if opt.ObjectSelector != nil {
			g.Expect(equality.Semantic.DeepEqual(h.ObjectSelector, opt.ObjectSelector)).To(BeTrue(), opt.Name)
		}
	}
}

func priorityClassEffect(_ context.Context, g Gomega, want spodv1alpha1.SPODSpec, d deployed) {
	g.Expect(want.PriorityClassName).NotTo(Equal(spodv1alpha1.DefaultPriorityClassName))
	g.Expect(d.ds.Spec.Template.Spec.PriorityClassName).To(Equal(want.PriorityClassName))
}

func verbosityEffect(_ context.Context, g Gomega, want spodv1alpha1.SPODSpec, d deployed) {
	flag := fmt.Sprintf("--verbosity=%d", want.Verbosity)
	g.Expect(want.Verbosity).NotTo(BeZero())
	for _, c := range d.ds.Spec.Template.Spec.Containers {
		g.Expect(c.Args).To(ContainElement(flag), c.Name)
	}
	g.Expect(d.webhook.Spec.Template.Spec.Containers[0].Args).To(ContainElement(flag))
}

func selinuxTypeEffect(_ context.Context, g Gomega, want spodv1alpha1.SPODSpec, d deployed) {
	for _, c := range d.ds.Spec.Template.Spec.Containers {
		g.Expect(c.SecurityContext.SELinuxOptions.Type).To(Equal(want.SelinuxTypeTag), c.Name)
	}
}

func resourcesEffect(_ context.Context, g Gomega, want spodv1alpha1.SPODSpec, d deployed) {
	g.Expect(want.DaemonResourceRequirements).NotTo(BeNil())
	got := d.container(spod.DaemonContainer).Resources
	g.Expect(equality.Semantic.DeepEqual(got, *want.DaemonResourceRequirements)).To(BeTrue(), "%+v", got)
}

// allowedSyscallsEffect follows the list to where it takes effect. The
// manager renders nothing from it: the node daemon reads spod itself, in
// the namespace the rendered DaemonSet names, and limits every profile to
// the list it makes of that spod (daemonseccomp.LimitsOf).
func allowedSyscallsEffect(ctx context.Context, g Gomega, want spodv1alpha1.SPODSpec, d deployed) {
	g.Expect(want.AllowedSyscalls).NotTo(BeEmpty())
	ns := envOf(d.container(spod.DaemonContainer), spod.EnvOperatorNamespace)
	g.Expect(ns).NotTo(BeEmpty())
	read := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
	g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: spodv1alpha1.Name}, read)).To(Succeed())
	g.Expect(daemonseccomp.LimitsOf(read.Spec).Syscalls).To(ConsistOf(want.AllowedSyscalls))
}

func tolerationsEffect(_ context.Context, g Gomega, want spodv1alpha1.SPODSpec, d deployed) {
	g.Expect(want.Tolerations).NotTo(BeEmpty())
	g.Expect(d.ds.Spec.Template.Spec.Tolerations).To(Equal(want.Tolerations))
}

func affinityEffect(_ context.Context, g Gomega, want spodv1alpha1.SPODSpec, d deployed) {
	g.Expect(want.Affinity).NotTo(BeNil())
	g.Expect(equality.Semantic.DeepEqual(d.ds.Spec.Template.Spec.Affinity, want.Affinity)).To(BeTrue(), "%+v", d.ds.Spec.Template.Spec.Affinity)
}

func envEffect(name string) effect {
	return func(_ context.Context, g Gomega, _ spodv1alpha1.SPODSpec, d deployed) {
		g.Expect(envOf(d.container(spod.DaemonContainer), name)).To(Equal("true"))
	}
}

// recorderEffect checks the recorder container runs and the pod shares
// the node's pid namespace, which only recording needs.
func recorderEffect(name string) effect {
	return func(_ context.Context, g Gomega, _ spodv1alpha1.SPODSpec, d deployed) {
		g.Expect(d.container(name)).NotTo(BeNil(), name)
		g.Expect(d.ds.Spec.Template.Spec.HostPID).To(BeTrue())
		g.Expect(envOf(d.container(spod.DaemonContainer), spod.EnvRecording)).To(BeEmpty())
		g.Expect(d.container(name).VolumeMounts).To(ContainElement(HaveField("MountPath", "/var/run/spo-metrics")))
	}
}

func profilingEffect(_ context.Context, g Gomega, want spodv1alpha1.SPODSpec, d deployed) {
	g.Expect(want.EnableProfiling).To(BeTrue())
	c := d.container(spod.DaemonContainer)
	// Loopback only: no containerPort for a port the pod network cannot reach.
	g.Expect(c.Ports).NotTo(ContainElement(HaveField("ContainerPort", spod.DaemonProfilingPort)))
	g.Expect(envOf(c, spod.EnvProfiling)).To(Equal("true"))
	g.Expect(envOf(c, spod.EnvProfilingPort)).To(Equal("6060"))
}

func hostProcEffect(_ context.Context, g Gomega, want spodv1alpha1.SPODSpec, d deployed) {
	// Only the recorders read the node's /proc (TestBuildDaemonSetOptions
	// checks they get want.HostProcVolumePath): without them nothing
	// mounts it.
	g.Expect(want.HostProcVolumePath).NotTo(BeEmpty())
	g.Expect(d.ds.Spec.Template.Spec.Volumes).NotTo(ContainElement(HaveField("Name", "host-proc")))
	g.Expect(d.container(spod.DaemonContainer).Args).NotTo(ContainElement(HavePrefix("--host-proc")))
}

func appArmorEffect(_ context.Context, g Gomega, want spodv1alpha1.SPODSpec, d deployed) {
	g.Expect(want.AppArmorEnabled()).To(BeTrue())
	c := d.container(spod.DaemonContainer)
	g.Expect(envOf(c, spod.EnvAppArmor)).To(Equal("true"))
	g.Expect(c.SecurityContext.Capabilities.Add).To(ConsistOf(corev1.Capability("MAC_ADMIN")))
}

func selinuxEffect(ctx context.Context, g Gomega, want spodv1alpha1.SPODSpec, d deployed) {
	g.Expect(want.SelinuxEnabled()).To(BeTrue())
	g.Expect(d.container(spod.SelinuxdContainer)).To(BeNil(), "selinuxd runs in a DaemonSet of its own")
	g.Expect(d.ds.Spec.Template.Spec.InitContainers).To(ContainElement(HaveField("Name", spod.SelinuxProbeContainer)))
	g.Expect(envOf(d.container(spod.DaemonContainer), spod.EnvSelinux)).To(Equal("true"))
	selinuxd := &appsv1.DaemonSet{}
	g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: cfg.Namespace, Name: spod.SelinuxdDaemonSetName}, selinuxd)).To(Succeed())
	g.Expect(selinuxd.Spec.Template.Spec.Containers).To(ConsistOf(HaveField("Image", cfg.SelinuxdImage)))
	g.Expect(metav1.IsControlledBy(selinuxd, d.spod)).To(BeTrue(), "deleted with spod")
}
