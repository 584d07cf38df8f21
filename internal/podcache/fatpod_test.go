package podcache_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/securityprofiles/operator/apis/keys"
	"github.com/securityprofiles/operator/internal/podprofiles"
)

// containerID is the runtime ID of one run of a container.
func containerID(name, run string) string {
	return fmt.Sprintf("containerd://%x", sha256.Sum256([]byte(name+run)))
}

// lsmContext asks for an operator seccomp profile, an operator SELinux
// type and a Localhost AppArmor profile, all named after who.
func lsmContext(ns, who string) *corev1.SecurityContext {
	return &corev1.SecurityContext{
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To(podprofiles.LocalhostPath(ns, who))},
		SELinuxOptions:           &corev1.SELinuxOptions{Type: podprofiles.SelinuxUsage(ns, who), Level: "s0:c1,c2"},
		AppArmorProfile:          &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: ptr.To(who)},
		RunAsUser:                ptr.To[int64](1000),
		ReadOnlyRootFilesystem:   ptr.To(true),
		AllowPrivilegeEscalation: ptr.To(false),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}

func container(ns, name string) corev1.Container {
	sc := lsmContext(ns, name)
	switch name {
	case "init":
		sc.Privileged = ptr.To(true)
	case "app":
		sc.Privileged = ptr.To(false)
	}
	c := corev1.Container{
		Name: name, Image: "registry.example.com/team/" + name + ":v1.2.3",
		Command:         []string{"/bin/" + name, "--config=/etc/" + name + "/config.yaml"},
		Ports:           []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
		Resources:       corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}},
		VolumeMounts:    []corev1.VolumeMount{{Name: "config", MountPath: "/etc/" + name}},
		SecurityContext: sc,
	}
	for i := range 20 {
		c.Env = append(c.Env, corev1.EnvVar{Name: fmt.Sprintf("VAR_%d", i), Value: strings.Repeat("v", 40)})
	}
	return c
}

func status(name string) corev1.ContainerStatus {
	return corev1.ContainerStatus{
		Name: name, Image: "registry.example.com/team/" + name + ":v1.2.3", ImageID: "sha256:" + strings.Repeat("a", 64),
		ContainerID: containerID(name, "current"), Ready: true, RestartCount: 1,
		State:                corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: containerID(name, "terminated"), ExitCode: 0, Message: "done"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: containerID(name, "last"), ExitCode: 1}},
	}
}

// fatPod uses every profile form the controllers read, gated and
// recorded, and carries everything a real pod carries besides.
func fatPod(ns string) *corev1.Pod {
	ephemeral := container(ns, "debug")
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: "web-7d9f8-abcde", GenerateName: "web-7d9f8-", UID: "1234", ResourceVersion: "42", Generation: 3,
			Labels: map[string]string{"app": "web", "pod-template-hash": "7d9f8", keys.EnableRecordingLabel: "true"},
			Annotations: map[string]string{
				keys.SeccompPodAnnotation:                                         "localhost/" + podprofiles.LocalhostPath(ns, "legacy-pod"),
				keys.SeccompContainerAnnotationPrefix + "app":                     "localhost/" + podprofiles.LocalhostPath(ns, "legacy-app"),
				corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix + "app": "localhost/legacy-apparmor",
				keys.BindingsAnnotation:                                           "binding-a,binding-b",
				keys.RecordingAnnotationKey("app"):                                keys.RecordingAnnotationValue("rec", "logs", "SeccompProfile"),
				keys.RecordingAnnotationKey("init"):                               keys.RecordingAnnotationValue("rec", "bpf", "SelinuxProfile"),
				"kubectl.kubernetes.io/last-applied-configuration":                strings.Repeat("{}", 2000),
			},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d9f8", UID: "rs", Controller: ptr.To(true)}},
			Finalizers:      []string{"example.com/keep"},
			ManagedFields:   []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply, FieldsV1: &metav1.FieldsV1{Raw: fieldsV1(300)}}},
		},
		Spec: corev1.PodSpec{
			NodeName: "node-a",
			SecurityContext: &corev1.PodSecurityContext{
				SeccompProfile:  &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To(podprofiles.AuditLocalhostPath(ns, "pod"))},
				SELinuxOptions:  &corev1.SELinuxOptions{Type: podprofiles.SelinuxUsage(ns, "pod")},
				AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: ptr.To("pod")},
				RunAsNonRoot:    ptr.To(true),
				FSGroup:         ptr.To[int64](2000),
			},
			InitContainers: []corev1.Container{container(ns, "init")},
			Containers: []corev1.Container{container(ns, "app"), container(ns, "sidecar"), {Name: "plain", Image: "busybox"},
				// One kind of profile each: none may hide behind another.
				{Name: "apparmor-only", SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true),
					AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: ptr.To("apparmor-only")}}},
				{Name: "selinux-only", SecurityContext: &corev1.SecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: podprofiles.SelinuxUsage(ns, "selinux-only")}}},
			},
			EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon(ephemeral)}},
			SchedulingGates:     []corev1.PodSchedulingGate{{Name: "example.com/other"}, {Name: keys.ProfilesInstalledGate}},
			Volumes: []corev1.Volume{
				{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web"}}}},
				{Name: "token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr.To[int64](3600)}}}}}},
			},
			Tolerations: []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}},
		},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "SchedulingGated"},
				{Type: keys.ProfilesInstalledCondition, Status: corev1.ConditionFalse, Reason: "ProfileNotInstalled", Message: "waiting", ObservedGeneration: 3},
			},
			HostIP: "10.0.0.1", PodIP: "10.1.0.7", PodIPs: []corev1.PodIP{{IP: "10.1.0.7"}},
			InitContainerStatuses:      []corev1.ContainerStatus{status("init")},
			ContainerStatuses:          []corev1.ContainerStatus{status("app"), status("sidecar"), status("plain")},
			EphemeralContainerStatuses: []corev1.ContainerStatus{status("debug")},
		},
	}
}

// fieldsV1 is managedFields' field set of n fields.
func fieldsV1(n int) []byte {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"f:field%d":{}`, i)
	}
	b.WriteString("}")
	return []byte(b.String())
}

// jsonSize is the size of o as the API server would send it.
func jsonSize(t *testing.T, o any) int {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}
