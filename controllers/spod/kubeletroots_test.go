package spod

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/securityprofiles/operator/apis/keys"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

func labelledNode(name, location string) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}}
	if location != "" {
		n.Labels[keys.NodeDirectoryLocationLabel] = location
	}
	return n
}

func TestKubeletRoots(t *testing.T) {
	roots, invalid := KubeletRoots([]corev1.Node{
		labelledNode("a", ""), labelledNode("b", "mnt-resource-kubelet"), labelledNode("c", "data-kubelet"),
		labelledNode("d", "mnt-resource-kubelet"), labelledNode("e", "etc--x"), labelledNode("f", "a-..-b"),
	})
	want := []KubeletRoot{{Label: "data-kubelet", Dir: "/data/kubelet"}, {Label: "mnt-resource-kubelet", Dir: "/mnt/resource/kubelet"}}
	if !slices.Equal(roots, want) {
		t.Errorf("roots %+v, want %+v", roots, want)
	}
	if !slices.Equal(invalid, []string{"a-..-b", "etc--x"}) {
		t.Errorf("invalid %q", invalid)
	}
}

func TestNoLabelledRootsChangeNothing(t *testing.T) {
	spec := &spodv1alpha1.SPODSpec{}
	got := BuildDaemonSets(spec, testConfig, nil)
	if len(got) != 1 || got[0].Name != DaemonSetName || got[0].Spec.Template.Spec.Affinity != nil {
		t.Errorf("%d DaemonSets, first %s with affinity %+v", len(got), got[0].Name, got[0].Spec.Template.Spec.Affinity)
	}
}

// requiredExprs are the node requirements of a DaemonSet's pods, per term.
func requiredExprs(ds *appsv1.DaemonSet) [][]corev1.NodeSelectorRequirement {
	a := ds.Spec.Template.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return nil
	}
	var out [][]corev1.NodeSelectorRequirement
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		out = append(out, term.MatchExpressions)
	}
	return out
}

func TestEachLabelledRootGetsItsDaemonSet(t *testing.T) {
	userTerm := corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "pool", Operator: corev1.NodeSelectorOpIn, Values: []string{"infra"}}}}
	spec := &spodv1alpha1.SPODSpec{Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{userTerm}},
	}}}
	roots := []KubeletRoot{{Label: "data-kubelet", Dir: "/data/kubelet"}, {Label: "mnt-resource-kubelet", Dir: "/mnt/resource/kubelet"}}
	got := BuildDaemonSets(spec, testConfig, roots)
	if len(got) != 3 {
		t.Fatalf("%d DaemonSets, want spod and one per root", len(got))
	}
	main := got[0]
	notIn := corev1.NodeSelectorRequirement{Key: keys.NodeDirectoryLocationLabel, Operator: corev1.NodeSelectorOpNotIn, Values: []string{"data-kubelet", "mnt-resource-kubelet"}}
	if exprs := requiredExprs(main); len(exprs) != 1 || len(exprs[0]) != 2 || exprs[0][1].Operator != notIn.Operator || !slices.Equal(exprs[0][1].Values, notIn.Values) {
		t.Errorf("spod's pods must go to the other nodes, within spod's affinity: %+v", exprs)
	}
	if spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0].Key != "pool" ||
		len(spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions) != 1 {
		t.Errorf("spod's own affinity was modified")
	}
	names := map[string]bool{main.Name: true}
	for i, root := range roots {
		ds := got[i+1]
		names[ds.Name] = true
		c := container(ds, DaemonContainer)
		if envValue(c, EnvKubeletDir) != root.Dir {
			t.Errorf("%s: KUBELET_DIR %q, want %q", ds.Name, envValue(c, EnvKubeletDir), root.Dir)
		}
		m := mountAt(c, root.Dir+"/seccomp")
		if m == nil || hostPathOf(ds.Spec.Template.Spec, m.Name) != root.Dir+"/seccomp" {
			t.Errorf("%s mounts %+v, want the root's seccomp directory", ds.Name, m)
		}
		if mountAt(c, testConfig.KubeletDir+"/seccomp") != nil {
			t.Errorf("%s also mounts the default root", ds.Name)
		}
		exprs := requiredExprs(ds)
		if len(exprs) != 1 || len(exprs[0]) != 2 || exprs[0][0].Key != "pool" ||
			exprs[0][1].Operator != corev1.NodeSelectorOpIn || !slices.Equal(exprs[0][1].Values, []string{root.Label}) {
			t.Errorf("%s node affinity %+v", ds.Name, exprs)
		}
		sel := ds.Spec.Selector.MatchLabels
		if sel["name"] != DaemonSetName || sel[KubeletRootLabel] == "" || ds.Spec.Template.Labels[KubeletRootLabel] != sel[KubeletRootLabel] {
			t.Errorf("%s selector %v, template labels %v", ds.Name, sel, ds.Spec.Template.Labels)
		}
	}
	if len(names) != 3 {
		t.Errorf("DaemonSet names collide: %v", names)
	}
}
