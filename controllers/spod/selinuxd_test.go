package spod

import (
	"maps"
	"testing"

	corev1 "k8s.io/api/core/v1"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

func TestNoSelinuxdWithoutSelinux(t *testing.T) {
	if ds := BuildSelinuxdDaemonSet(&spodv1alpha1.SPODSpec{EnableSelinux: ptrTo(false)}, testConfig); ds != nil {
		t.Errorf("selinuxd DaemonSet with SELinux off: %+v", ds)
	}
}

func TestSelinuxdRunsOnlyOnSelinuxNodesAndSharesTheDaemonsDirectories(t *testing.T) {
	spec := &spodv1alpha1.SPODSpec{
		EnableSelinux: ptrTo(true),
		Tolerations:   []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}},
	}
	ds := BuildSelinuxdDaemonSet(spec, testConfig)
	pod := ds.Spec.Template.Spec
	if ds.Name != SelinuxdDaemonSetName || ds.Namespace != testConfig.Namespace {
		t.Errorf("DaemonSet %s/%s", ds.Namespace, ds.Name)
	}
	if want := map[string]string{corev1.LabelOSStable: "linux", spodv1alpha1.SelinuxNodeLabel: spodv1alpha1.SelinuxSupported}; !maps.Equal(pod.NodeSelector, want) {
		t.Errorf("node selector %v, want %v", pod.NodeSelector, want)
	}
	// Two DaemonSets with overlapping selectors would adopt each other's pods.
	if maps.Equal(ds.Spec.Selector.MatchLabels, DaemonLabels()) || !maps.Equal(ds.Spec.Template.Labels, ds.Spec.Selector.MatchLabels) {
		t.Errorf("selector %v, template labels %v", ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("selinuxd gets an API token it never uses")
	}
	if len(pod.Tolerations) != 1 || pod.Tolerations[0].Key != "dedicated" {
		t.Errorf("tolerations %v: selinuxd must go wherever spod's daemon goes", pod.Tolerations)
	}
	if len(pod.Containers) != 1 || pod.Containers[0].Name != SelinuxdContainer || pod.Containers[0].Image != "selinuxd:1" {
		t.Fatalf("containers %+v", pod.Containers)
	}
	c := &pod.Containers[0]
	if c.SecurityContext.Privileged != nil || len(c.SecurityContext.Capabilities.Add) != 4 {
		t.Errorf("security context %+v", c.SecurityContext)
	}
	daemon := BuildDaemonSet(spec, testConfig)
	daemonContainer := container(daemon, DaemonContainer)
	for _, path := range []string{SelinuxPolicyDir, SelinuxdSocketDir} {
		m, dm := mountAt(c, path), mountAt(daemonContainer, path)
		if m == nil || dm == nil {
			t.Fatalf("mounts of %s: selinuxd %+v, daemon %+v", path, m, dm)
		}
		if host, daemonHost := hostPathOf(pod, m.Name), hostPathOf(daemon.Spec.Template.Spec, dm.Name); host == "" || host != daemonHost {
			t.Errorf("%s: selinuxd sees node directory %q, the daemon %q", path, host, daemonHost)
		}
	}
	// selinuxd only reads the policies the daemon writes.
	if !mountAt(c, SelinuxPolicyDir).ReadOnly {
		t.Errorf("selinuxd may write the policy directory")
	}
	for _, path := range []string{"/sys/fs/selinux", "/etc/selinux", "/var/lib/selinux"} {
		m := mountAt(c, path)
		if m == nil || hostPathOf(pod, m.Name) != path {
			t.Errorf("selinuxd mount of the node's %s: %+v", path, m)
		}
		if mountAt(daemonContainer, path) != nil {
			t.Errorf("the daemon mounts %s, which nodes without SELinux lack", path)
		}
	}
}
