package main

import (
	"bytes"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/securityprofiles/operator/internal/bundle"
	"github.com/securityprofiles/operator/internal/manifests"
)

const (
	helmDir = "deploy/helm"
	// rbacTemplate holds the service accounts, roles and bindings of the
	// default and namespaced overlays; only the Deployment is written by
	// hand (templates/deployment.yaml), since values tune it.
	rbacTemplate = "templates/rbac.yaml"
	// Placeholders set into objects before marshalling and replaced by
	// template actions afterwards, so YAML quoting never touches them.
	releaseNamespace    = "HELM_RELEASE_NAMESPACE"
	restrictedNamespace = "HELM_RESTRICT_TO_NAMESPACE"
	// nsReplace is the namespace config/namespaced restricts the operator to.
	nsReplace = "NS_REPLACE"
)

// writeHelm regenerates the chart's files that come from config/: the CRDs
// (crds/, which Helm installs but never templates) and the service
// accounts, roles and bindings. Objects the namespaced overlay adds, drops
// or changes are rendered only when restrictToNamespace is set (or unset).
func writeHelm(root string) error {
	def, err := renderObjects(manifests.Default)
	if err != nil {
		return err
	}
	namespaced, err := renderObjects(manifests.Namespaced)
	if err != nil {
		return err
	}
	files := map[string][]byte{}
	for _, o := range def {
		if o.GetKind() == "CustomResourceDefinition" {
			out, err := marshal(o)
			if err != nil {
				return err
			}
			files["crds/"+bundle.CRDFileName(o)] = append([]byte(fmt.Sprintf(header, manifests.Default)), out...)
		}
	}
	def, namespaced = chartObjects(def), chartObjects(namespaced)
	var buf bytes.Buffer
	fmt.Fprintf(&buf, header, manifests.Default+" and "+manifests.Namespaced)
	buf.WriteString("# Service accounts, the roles controller-gen generates and their bindings.\n")
	inNamespaced := index(namespaced)
	inDefault := index(def)
	for _, o := range def {
		cond := "" // in both renderings
		if n, ok := inNamespaced[key(o)]; !ok || !equality.Semantic.DeepEqual(n.Object, o.Object) {
			cond = "not .Values.restrictToNamespace"
		}
		if err := appendDoc(&buf, o, cond); err != nil {
			return err
		}
	}
	for _, o := range namespaced {
		if d, ok := inDefault[key(o)]; ok && equality.Semantic.DeepEqual(d.Object, o.Object) {
			continue
		}
		if err := appendDoc(&buf, o, ".Values.restrictToNamespace"); err != nil {
			return err
		}
	}
	files[rbacTemplate] = buf.Bytes()
	return writeFiles(root, []string{"crds", rbacTemplate}, files)
}

// chartObjects keeps what the chart templates from generated text (not the
// Namespace, which Helm users create, the CRDs, or the Deployment) and sets
// the namespace placeholders.
func chartObjects(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		switch o.GetKind() {
		case "Namespace", "CustomResourceDefinition", "Deployment":
			continue
		}
		o = o.DeepCopy()
		o.SetNamespace(placeholder(o.GetNamespace()))
		if subjects, ok, _ := unstructured.NestedSlice(o.Object, "subjects"); ok {
			for _, s := range subjects {
				m := s.(map[string]any)
				if ns, ok := m["namespace"].(string); ok {
					m["namespace"] = placeholder(ns)
				}
			}
			_ = unstructured.SetNestedSlice(o.Object, subjects, "subjects")
		}
		out = append(out, o)
	}
	return out
}

func placeholder(ns string) string {
	switch ns {
	case namespace:
		return releaseNamespace
	case nsReplace:
		return restrictedNamespace
	}
	return ns
}

func key(o *unstructured.Unstructured) string {
	return o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
}

func index(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	m := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		m[key(o)] = o
	}
	return m
}

// appendDoc writes one YAML document, inside {{ if cond }} unless cond is
// empty.
func appendDoc(buf *bytes.Buffer, o *unstructured.Unstructured, cond string) error {
	out, err := marshal(o)
	if err != nil {
		return err
	}
	text := strings.NewReplacer(
		releaseNamespace, "{{ .Release.Namespace }}",
		restrictedNamespace, "{{ .Values.restrictToNamespace }}",
	).Replace(string(out))
	if cond != "" {
		fmt.Fprintf(buf, "{{- if %s }}\n", cond)
	}
	buf.WriteString("---\n")
	buf.WriteString(text)
	if cond != "" {
		buf.WriteString("{{- end }}\n")
	}
	return nil
}

func marshal(o *unstructured.Unstructured) ([]byte, error) {
	out, err := yaml.Marshal(o.Object)
	if err != nil {
		return nil, fmt.Errorf("marshal %s %s: %w", o.GetKind(), o.GetName(), err)
	}
	return out, nil
}
