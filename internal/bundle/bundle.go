package bundle

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Package metadata of the bundle.
const (
	// Package is the OLM package name.
	Package = "security-profiles-operator"
	// Channel is the only channel, and the default one.
	Channel = "stable"
	// OperatorDeployment names the manager Deployment, and its service
	// account, in the default overlay.
	OperatorDeployment = "security-profiles-operator"
	// MinKubeVersion is the oldest Kubernetes the operator supports.
	MinKubeVersion = "1.27.0"
)

// Annotations are the bundle's metadata/annotations.yaml, mirrored as
// LABELs in bundle.Dockerfile.
var Annotations = map[string]string{
	"operators.operatorframework.io.bundle.mediatype.v1":       "registry+v1",
	"operators.operatorframework.io.bundle.manifests.v1":       "manifests/",
	"operators.operatorframework.io.bundle.metadata.v1":        "metadata/",
	"operators.operatorframework.io.bundle.package.v1":         Package,
	"operators.operatorframework.io.bundle.channels.v1":        Channel,
	"operators.operatorframework.io.bundle.channel.default.v1": Channel,
}

// Examples are the files under examples/ whose objects the CSV offers as
// alm-examples: one per kind a user creates.
var Examples = []string{
	"examples/seccompprofile.yaml",
	"examples/selinuxprofile.yaml",
	"examples/apparmorprofile.yaml",
	"examples/profilebinding.yaml",
	"examples/profilerecording-logs.yaml",
}

// inlineExamples complete alm-examples for the kinds examples/ has no file
// for. SecurityProfileNodeStatus has none: the daemon writes those, and the
// CSV marks them internal.
var inlineExamples = []map[string]any{
	{
		"apiVersion": "security-profiles-operator.x-k8s.io/v1alpha1",
		"kind":       "SecurityProfilesOperatorDaemon",
		"metadata":   map[string]any{"name": "spod"},
		"spec":       map[string]any{"enableSelinux": false, "enableAppArmor": false},
	},
	{
		"apiVersion": "security-profiles-operator.x-k8s.io/v1alpha2",
		"kind":       "RawSelinuxProfile",
		"metadata":   map[string]any{"name": "raw-example"},
		"spec": map[string]any{
			"policy": "(blockinherit container)\n(allow process var_log_t (dir (open read getattr search)))\n",
		},
	},
}

// CSVName is the ClusterServiceVersion's name for a version.
func CSVName(version string) string {
	return Package + ".v" + version
}

// Files returns the bundle's files, keyed by path relative to bundle/,
// built from the default overlay's objects and the objects of Examples.
// Bindings to service accounts
// outside the operator's namespace and the Namespace are left out: OLM
// installs into the namespace of the OperatorGroup and creates the service
// accounts named in the CSV's permissions itself.
func Files(objs, examples []*unstructured.Unstructured, namespace, version string) (map[string][]byte, error) {
	files := map[string][]byte{}
	var crds []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" {
			continue
		}
		crds = append(crds, o)
		out, err := yaml.Marshal(o.Object)
		if err != nil {
			return nil, fmt.Errorf("marshal %s: %w", o.GetName(), err)
		}
		files["manifests/"+CRDFileName(o)] = out
	}
	csv, err := clusterServiceVersion(objs, crds, namespace, version)
	if err != nil {
		return nil, err
	}
	if err := setExamples(csv, examples); err != nil {
		return nil, err
	}
	out, err := yaml.Marshal(csv)
	if err != nil {
		return nil, fmt.Errorf("marshal csv: %w", err)
	}
	files["manifests/"+Package+".clusterserviceversion.yaml"] = out
	for _, o := range extraManifests(objs) {
		out, err := yaml.Marshal(o.Object)
		if err != nil {
			return nil, fmt.Errorf("marshal %s: %w", o.GetName(), err)
		}
		files["manifests/"+o.GetName()+"_"+strings.ToLower(o.GetKind())+".yaml"] = out
	}
	out, err = yaml.Marshal(map[string]any{"annotations": Annotations})
	if err != nil {
		return nil, err
	}
	files["metadata/annotations.yaml"] = out
	files["bundle.Dockerfile"] = dockerfile()
	return files, nil
}

// CRDFileName is the file a CRD is written to: <group>_<plural>.yaml, the
// name controller-gen gives it under config/crd/bases.
func CRDFileName(crd *unstructured.Unstructured) string {
	group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
	plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
	return group + "_" + plural + ".yaml"
}

// extraManifests are the ClusterRoles no CSV permission holds (the
// metrics reader role admins bind to their scraper). Their bindings are
// left out: a ClusterRoleBinding names its subjects' namespace, which OLM
// chooses at install time.
func extraManifests(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	inCSV := map[string]bool{}
	for _, g := range grants(objs) {
		if g.clusterWide {
			inCSV[g.role] = true
		}
	}
	var extra []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "ClusterRole" && !inCSV[o.GetName()] {
			extra = append(extra, o)
		}
	}
	return extra
}

// setExamples sets the alm-examples annotation, which consoles offer as
// templates, without namespaces: the user picks one.
func setExamples(csv map[string]any, examples []*unstructured.Unstructured) error {
	list := make([]any, 0, len(examples))
	for _, e := range examples {
		e = e.DeepCopy()
		e.SetNamespace("")
		list = append(list, e.Object)
	}
	for _, e := range inlineExamples {
		list = append(list, e)
	}
	out, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return fmt.Errorf("marshal alm-examples: %w", err)
	}
	annotations := csv["metadata"].(map[string]any)["annotations"].(map[string]any)
	annotations["alm-examples"] = string(out)
	return nil
}

func dockerfile() []byte {
	keys := make([]string, 0, len(Annotations))
	for k := range Annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# Generated by `make manifests`; do not edit.\n")
	b.WriteString("# Build from bundle/: docker build -f bundle/bundle.Dockerfile bundle/\n")
	b.WriteString("FROM scratch\n\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "LABEL %s=%s\n", k, Annotations[k])
	}
	b.WriteString("\nCOPY manifests /manifests/\nCOPY metadata /metadata/\n")
	return []byte(b.String())
}

// displayName splits a kind into words: SeccompProfile → Seccomp Profile.
func displayName(kind string) string {
	var b strings.Builder
	for i, r := range kind {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return strings.NewReplacer("App Armor", "AppArmor", "Selinux", "SELinux").Replace(b.String())
}
