package spod

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/securityprofiles/operator/apis/keys"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/kubeletdir"
)

// A node labelled kubelet.kubernetes.io/directory-location runs its kubelet
// from another root, and the daemon must write profiles under that root's
// seccomp directory. The daemon container mounts only <root>/seccomp, and
// a pod template cannot differ per node, so every such root gets a
// DaemonSet of its own, scheduled on the nodes labelled with it; the spod
// DaemonSet keeps every other node.

// KubeletRootLabel marks the daemon pods and DaemonSets of one labelled
// kubelet root, with a hash of the label value (label values of the
// directory-location label can be longer than a label value may be).
const KubeletRootLabel = keys.Prefix + "kubelet-root"

// KubeletRoot is a kubelet root directory some nodes are labelled with.
type KubeletRoot struct {
	// Label is the directory-location label value, e.g.
	// mnt-resource-kubelet.
	Label string
	// Dir is the directory it names, e.g. /mnt/resource/kubelet.
	Dir string
}

// KubeletRoots returns, sorted, the distinct valid directory-location
// labels of nodes, and the invalid ones (a daemon on such a node reports
// the label as its start error; it gets the default DaemonSet).
func KubeletRoots(nodes []corev1.Node) (roots []KubeletRoot, invalid []string) {
	seen := sets.New[string]()
	for i := range nodes {
		value, ok := nodes[i].Labels[keys.NodeDirectoryLocationLabel]
		if !ok || seen.Has(value) {
			continue
		}
		seen.Insert(value)
		dir, err := kubeletdir.FromLabel(value)
		if err != nil {
			invalid = append(invalid, value)
			continue
		}
		roots = append(roots, KubeletRoot{Label: value, Dir: dir})
	}
	slices.SortFunc(roots, func(a, b KubeletRoot) int {
		if a.Label < b.Label {
			return -1
		}
		if a.Label > b.Label {
			return 1
		}
		return 0
	})
	slices.Sort(invalid)
	return roots, invalid
}

// BuildDaemonSets returns the spod DaemonSet and one per labelled kubelet
// root. Without labelled roots it is exactly BuildDaemonSet, so clusters
// that do not use the label never see a change.
func BuildDaemonSets(spec *spodv1alpha1.SPODSpec, cfg Config, roots []KubeletRoot) []*appsv1.DaemonSet {
	main := BuildDaemonSet(spec, cfg)
	if len(roots) == 0 {
		return []*appsv1.DaemonSet{main}
	}
	labels := make([]string, 0, len(roots))
	for _, r := range roots {
		labels = append(labels, r.Label)
	}
	requireNode(&main.Spec.Template.Spec, corev1.NodeSelectorRequirement{
		Key: keys.NodeDirectoryLocationLabel, Operator: corev1.NodeSelectorOpNotIn, Values: labels,
	})
	out := []*appsv1.DaemonSet{main}
	for _, r := range roots {
		rootCfg := cfg
		rootCfg.KubeletDir = r.Dir
		ds := BuildDaemonSet(spec, rootCfg)
		hash := rootHash(r.Label)
		ds.Name = DaemonSetName + "-" + hash
		for _, m := range []map[string]string{ds.Labels, ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels} {
			m[KubeletRootLabel] = hash
		}
		requireNode(&ds.Spec.Template.Spec, corev1.NodeSelectorRequirement{
			Key: keys.NodeDirectoryLocationLabel, Operator: corev1.NodeSelectorOpIn, Values: []string{r.Label},
		})
		out = append(out, ds)
	}
	return out
}

// rootHash names a root's DaemonSet: short, stable, a valid label value.
func rootHash(label string) string {
	sum := sha256.Sum256([]byte(label))
	return hex.EncodeToString(sum[:])[:10]
}

// requireNode ANDs req into the pod's required node affinity, keeping
// whatever spod's affinity asks: every term (terms are ORed) gets it.
func requireNode(pod *corev1.PodSpec, req corev1.NodeSelectorRequirement) {
	if pod.Affinity == nil {
		pod.Affinity = &corev1.Affinity{}
	}
	if pod.Affinity.NodeAffinity == nil {
		pod.Affinity.NodeAffinity = &corev1.NodeAffinity{}
	}
	na := pod.Affinity.NodeAffinity
	if na.RequiredDuringSchedulingIgnoredDuringExecution == nil ||
		len(na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms) == 0 {
		na.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{}},
		}
	}
	terms := na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	for i := range terms {
		terms[i].MatchExpressions = append(terms[i].MatchExpressions, *req.DeepCopy())
	}
}
