package spod

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

var testConfig = Config{
	Namespace: "spo", DaemonImage: "daemon:1", WebhookImage: "webhook:1",
	SelinuxdImage: "selinuxd:1", KubeletDir: "/var/lib/kubelet",
}

func container(ds *appsv1.DaemonSet, name string) *corev1.Container {
	for i := range ds.Spec.Template.Spec.Containers {
		if ds.Spec.Template.Spec.Containers[i].Name == name {
			return &ds.Spec.Template.Spec.Containers[i]
		}
	}
	return nil
}

func envValue(c *corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func containerNames(ds *appsv1.DaemonSet) []string {
	var out []string
	for _, c := range ds.Spec.Template.Spec.Containers {
		out = append(out, c.Name)
	}
	return out
}

func TestBuildDaemonSetDefaults(t *testing.T) {
	ds := BuildDaemonSet(&spodv1alpha1.SPODSpec{}, testConfig)
	pod := ds.Spec.Template.Spec
	if got := containerNames(ds); !slices.Equal(got, []string{DaemonContainer}) {
		t.Errorf("containers %v, want only the daemon", got)
	}
	if pod.PriorityClassName != spodv1alpha1.DefaultPriorityClassName || pod.HostPID {
		t.Errorf("priorityClassName %q hostPID %v", pod.PriorityClassName, pod.HostPID)
	}
	d := container(ds, DaemonContainer)
	sc := d.SecurityContext
	if sc.SELinuxOptions.Type != spodv1alpha1.DefaultSelinuxTypeTag || *sc.AllowPrivilegeEscalation ||
		!*sc.ReadOnlyRootFilesystem || len(sc.Capabilities.Add) != 0 || sc.Privileged != nil {
		t.Errorf("daemon security context too wide: %+v", sc)
	}
	if envValue(d, EnvOperatorNamespace) != "spo" || envValue(d, EnvKubeletDir) != "/var/lib/kubelet" {
		t.Errorf("daemon env %+v", d.Env)
	}
	// The kubelet root holds every pod's volumes and tokens: only its
	// seccomp directory is mounted.
	for _, v := range pod.Volumes {
		if v.HostPath != nil && strings.HasPrefix(v.HostPath.Path+"/", "/var/lib/kubelet/") && v.HostPath.Path != "/var/lib/kubelet/seccomp" {
			t.Errorf("volume %s mounts %s of the kubelet root", v.Name, v.HostPath.Path)
		}
	}
	if m := mountAt(d, "/var/lib/kubelet/seccomp"); m == nil || m.ReadOnly || hostPathOf(pod, m.Name) != "/var/lib/kubelet/seccomp" {
		t.Errorf("kubelet seccomp root mount %+v", m)
	}
	if len(d.Ports) != 1 || d.Ports[0].Name != "metrics" || envValue(d, EnvProfiling) != "" {
		t.Errorf("ports %+v: want only metrics, profiling off by default", d.Ports)
	}
	if d.Resources.Requests.Memory().Cmp(resource.MustParse("64Mi")) != 0 {
		t.Errorf("default resources %+v", d.Resources)
	}
}

// daemonSetOptionCases pair a spod spec (and manager config) with what
// the DaemonSet must show for it.
var daemonSetOptionCases = []struct {
	name  string
	spec  spodv1alpha1.SPODSpec
	cfg   func(*Config)
	check func(t *testing.T, ds *appsv1.DaemonSet)
}{{
	name: "log enricher from spod, with hostPID, hostNetwork and AUDIT_READ only",
	spec: spodv1alpha1.SPODSpec{EnableLogEnricher: true},
	check: func(t *testing.T, ds *appsv1.DaemonSet) {
		pod := ds.Spec.Template.Spec
		if !slices.Equal(containerNames(ds), []string{DaemonContainer, LogEnricherContainer}) || !pod.HostPID || !pod.HostNetwork {
			t.Errorf("containers %v hostPID %v hostNetwork %v", containerNames(ds), pod.HostPID, pod.HostNetwork)
		}
		if pod.DNSPolicy != corev1.DNSClusterFirstWithHostNet {
			t.Errorf("dnsPolicy %q", pod.DNSPolicy)
		}
		c := container(ds, LogEnricherContainer)
		if !slices.Equal(c.SecurityContext.Capabilities.Add, []corev1.Capability{"AUDIT_READ"}) || c.SecurityContext.Privileged != nil {
			t.Errorf("log enricher security context %+v", c.SecurityContext)
		}
		if d := container(ds, DaemonContainer); len(d.SecurityContext.Capabilities.Add) != 0 || envValue(d, EnvRecording) != "" {
			t.Errorf("the daemon container gained something for recording: %+v", d)
		}
	},
}, {
	name: "log enricher from ENABLE_LOG_ENRICHER",
	cfg:  func(c *Config) { c.ForceLogEnricher = true },
	check: func(t *testing.T, ds *appsv1.DaemonSet) {
		if container(ds, LogEnricherContainer) == nil {
			t.Errorf("no log enricher")
		}
	},
}, {
	name: "bpf recorder gets BPF capabilities, nothing privileged",
	spec: spodv1alpha1.SPODSpec{EnableBpfRecorder: true},
	check: func(t *testing.T, ds *appsv1.DaemonSet) {
		c := container(ds, BpfRecorderContainer)
		// SYS_RESOURCE would keep the container from starting on nodes
		// whose root lacks it, and libbpf does not need it.
		want := []corev1.Capability{"BPF", "PERFMON"}
		if c == nil || !slices.Equal(c.SecurityContext.Capabilities.Add, want) || c.SecurityContext.Privileged != nil {
			t.Errorf("bpf recorder %+v", c)
		}
		if ds.Spec.Template.Spec.HostNetwork {
			t.Errorf("the bpf recorder alone needs no host network")
		}
	},
}, {
	name: "SELinux: a probe before the daemon, selinuxd elsewhere, policies and socket on the node",
	spec: spodv1alpha1.SPODSpec{EnableSelinux: ptrTo(true)},
	check: func(t *testing.T, ds *appsv1.DaemonSet) {
		if container(ds, SelinuxdContainer) != nil {
			t.Errorf("selinuxd in the daemon pod: it would keep the pod from starting on nodes without SELinux")
		}
		inits := ds.Spec.Template.Spec.InitContainers
		if len(inits) != 1 || inits[0].Name != SelinuxProbeContainer || inits[0].Image != "daemon:1" ||
			len(inits[0].Args) == 0 || inits[0].Args[0] != "selinux-probe" || len(inits[0].VolumeMounts) != 0 ||
			len(inits[0].SecurityContext.Capabilities.Add) != 0 || inits[0].TerminationMessagePolicy != corev1.TerminationMessageReadFile {
			t.Errorf("probe %+v", inits)
		}
		if envValue(container(ds, DaemonContainer), EnvSelinux) != "true" {
			t.Errorf("daemon not told about SELinux")
		}
		for path, host := range map[string]string{SelinuxPolicyDir: SelinuxPolicyHostDir, SelinuxdSocketDir: SelinuxdSocketDir} {
			m := mountAt(container(ds, DaemonContainer), path)
			if m == nil || m.ReadOnly || hostPathOf(ds.Spec.Template.Spec, m.Name) != host {
				t.Errorf("daemon mount of %s: %+v, want node directory %s", path, m, host)
			}
		}
	},
}, {
	name: "the node's /proc only for the recorders, from hostProcVolumePath",
	spec: spodv1alpha1.SPODSpec{EnableLogEnricher: true, EnableBpfRecorder: true, HostProcVolumePath: "/my-proc"},
	check: func(t *testing.T, ds *appsv1.DaemonSet) {
		if hostPathOf(ds.Spec.Template.Spec, "host-proc") != "/my-proc" {
			t.Errorf("host-proc volume from %q", hostPathOf(ds.Spec.Template.Spec, "host-proc"))
		}
		for _, c := range ds.Spec.Template.Spec.Containers {
			m := mountAt(&c, HostProcMountPath)
			if recorder := c.Name != DaemonContainer; (m != nil) != recorder || (recorder && !m.ReadOnly) {
				t.Errorf("%s mounts the node's /proc: %+v", c.Name, m)
			}
			if recorder := c.Name != DaemonContainer; slices.Contains(c.Args, "--host-proc="+HostProcMountPath) != recorder {
				t.Errorf("%s args %q", c.Name, c.Args)
			}
		}
	},
}, {
	name: "a restricted manager restricts every daemon container",
	spec: spodv1alpha1.SPODSpec{EnableLogEnricher: true, EnableBpfRecorder: true},
	cfg:  func(c *Config) { c.WatchNamespace = "team-a" },
	check: func(t *testing.T, ds *appsv1.DaemonSet) {
		for _, c := range ds.Spec.Template.Spec.Containers {
			if got := envValue(&c, EnvRestrictToNamespace); got != "team-a" {
				t.Errorf("%s: %s=%q", c.Name, EnvRestrictToNamespace, got)
			}
		}
	},
}, {
	name: "unrestricted daemons get no restriction",
	spec: spodv1alpha1.SPODSpec{EnableLogEnricher: true, EnableBpfRecorder: true},
	check: func(t *testing.T, ds *appsv1.DaemonSet) {
		for _, c := range ds.Spec.Template.Spec.Containers {
			if slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == EnvRestrictToNamespace }) {
				t.Errorf("%s restricted", c.Name)
			}
		}
	},
}, {
	name: "no probe without SELinux",
	spec: spodv1alpha1.SPODSpec{EnableLogEnricher: true, EnableBpfRecorder: true},
	check: func(t *testing.T, ds *appsv1.DaemonSet) {
		if n := len(ds.Spec.Template.Spec.InitContainers); n != 0 {
			t.Errorf("%d init containers", n)
		}
	},
}, {
	name: "no SELinux volumes without SELinux",
	spec: spodv1alpha1.SPODSpec{},
	check: func(t *testing.T, ds *appsv1.DaemonSet) {
		for _, v := range ds.Spec.Template.Spec.Volumes {
			if strings.Contains(v.Name, "selinux") {
				t.Errorf("volume %s without SELinux enabled", v.Name)
			}
		}
	},
}, {
	// pprof listens on loopback only (kubectl port-forward reaches it):
	// a containerPort would advertise a port the pod network cannot reach.
	name: "profiling ports per container, not declared as container ports",
	spec: spodv1alpha1.SPODSpec{EnableProfiling: true, EnableLogEnricher: true, EnableBpfRecorder: true},
	check: func(t *testing.T, ds *appsv1.DaemonSet) {
		for name, port := range map[string]int32{DaemonContainer: 6060, LogEnricherContainer: 6061, BpfRecorderContainer: 6062} {
			c := container(ds, name)
			if slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.ContainerPort == port }) ||
				envValue(c, EnvProfilingPort) != strconv.Itoa(int(port)) {
				t.Errorf("%s ports %+v env %+v", name, c.Ports, c.Env)
			}
		}
	},
}, {
	name: "apparmor through the deprecated spelling",
	spec: spodv1alpha1.SPODSpec{DeprecatedAppArmorEnabled: "true"},
	check: func(t *testing.T, ds *appsv1.DaemonSet) {
		c := container(ds, DaemonContainer)
		if envValue(c, EnvAppArmor) != "true" || !slices.Equal(c.SecurityContext.Capabilities.Add, []corev1.Capability{"MAC_ADMIN"}) {
			t.Errorf("daemon %+v", c.SecurityContext)
		}
	},
}, {
	name: "selinux type tag in every container",
	spec: spodv1alpha1.SPODSpec{SelinuxTypeTag: "unconfined_t", EnableLogEnricher: true, EnableBpfRecorder: true, EnableSelinux: ptrTo(true)},
	check: func(t *testing.T, ds *appsv1.DaemonSet) {
		for _, c := range ds.Spec.Template.Spec.Containers {
			if c.SecurityContext.SELinuxOptions.Type != "unconfined_t" {
				t.Errorf("%s has %q", c.Name, c.SecurityContext.SELinuxOptions.Type)
			}
		}
	},
}}

func TestBuildDaemonSetOptions(t *testing.T) {
	for _, tc := range daemonSetOptionCases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			ds := BuildDaemonSet(&tc.spec, cfg)
			tc.check(t, ds)
			checkVolumesMatchMounts(t, ds)
		})
	}
}

// checkVolumesMatchMounts fails unless every mounted volume is declared
// with a source and every declared volume is mounted.
func checkVolumesMatchMounts(t *testing.T, ds *appsv1.DaemonSet) {
	t.Helper()
	declared := map[string]bool{}
	for _, v := range ds.Spec.Template.Spec.Volumes {
		if v.HostPath == nil && v.EmptyDir == nil && v.Secret == nil {
			t.Errorf("volume %s has no source", v.Name)
		}
		declared[v.Name] = true
	}
	mounted := map[string]bool{}
	for _, c := range ds.Spec.Template.Spec.Containers {
		for _, m := range c.VolumeMounts {
			if !declared[m.Name] {
				t.Errorf("%s mounts undeclared %s", c.Name, m.Name)
			}
			mounted[m.Name] = true
		}
	}
	for name := range declared {
		if !mounted[name] {
			t.Errorf("volume %s is not mounted", name)
		}
	}
}

func TestBuildDeterministicAndPure(t *testing.T) {
	on := true
	spec := spodv1alpha1.SPODSpec{
		EnableLogEnricher: true, EnableBpfRecorder: true, EnableSelinux: &on, EnableProfiling: true,
		Tolerations:      []corev1.Toleration{{Key: "a", Operator: corev1.TolerationOpExists}},
		ImagePullSecrets: []corev1.LocalObjectReference{{Name: "pull"}},
	}
	before, _ := json.Marshal(spec)
	a, _ := json.Marshal(BuildDaemonSet(&spec, testConfig))
	b, _ := json.Marshal(BuildDaemonSet(&spec, testConfig))
	if string(a) != string(b) {
		t.Errorf("two builds differ")
	}
	ds := BuildDaemonSet(&spec, testConfig)
	ds.Spec.Template.Spec.Tolerations[0].Key = "changed"
	ds.Spec.Template.Spec.ImagePullSecrets[0].Name = "changed"
	after, _ := json.Marshal(spec)
	if string(before) != string(after) {
		t.Errorf("the built DaemonSet shares memory with spec")
	}
}

// mountAt returns the container's mount at path, or nil.
func mountAt(c *corev1.Container, path string) *corev1.VolumeMount {
	for i := range c.VolumeMounts {
		if c.VolumeMounts[i].MountPath == path {
			return &c.VolumeMounts[i]
		}
	}
	return nil
}

// hostPathOf is the node path of a pod's hostPath volume, or "".
func hostPathOf(pod corev1.PodSpec, volume string) string {
	for _, v := range pod.Volumes {
		if v.Name == volume && v.HostPath != nil {
			return v.HostPath.Path
		}
	}
	return ""
}
