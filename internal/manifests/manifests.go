package manifests

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Overlays under config/ and what each installs.
const (
	// Default is the cluster-wide install (deploy/operator.yaml).
	Default = "config/default"
	// Namespaced restricts the operator to the namespace NS_REPLACE
	// (deploy/namespace-operator.yaml).
	Namespaced = "config/namespaced"
	// CertManager uses cert-manager for the serving certificates.
	CertManager = "config/cert-manager"
	// Prometheus lets prometheus-operator's Prometheus scrape the metrics.
	Prometheus = "config/prometheus"
)

// Render builds the kustomization in dir and returns it as one YAML stream
// in kustomize's order (namespaces and CRDs first).
func Render(dir string) ([]byte, error) {
	opts := krusty.MakeDefaultOptions()
	resources, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	out, err := resources.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	return out, nil
}

// Objects splits a YAML stream into objects, skipping empty documents.
func Objects(stream []byte) ([]*unstructured.Unstructured, error) {
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(stream), 4096)
	var objs []*unstructured.Unstructured
	for {
		obj := &unstructured.Unstructured{}
		if err := decoder.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("decode manifest %d: %w", len(objs)+1, err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		objs = append(objs, obj)
	}
}
