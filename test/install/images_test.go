package install

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/securityprofiles/operator/controllers/spod"
)

// imageRefs collects every image reference in objs: container images
// (image), the CSV's containerImage annotation and relatedImages, and the
// RELATED_IMAGE_* variables through which the manager deploys the
// daemon, the webhook and selinuxd. Each is keyed by where it was found.
func imageRefs(objs []*unstructured.Unstructured) map[string]string {
	refs := map[string]string{}
	for _, o := range objs {
		walkImages(o.GetKind()+"/"+o.GetName(), o.Object, refs)
	}
	return refs
}

func walkImages(path string, v any, refs map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		if name, ok := v["name"].(string); ok && strings.HasPrefix(name, "RELATED_IMAGE_") {
			if val, ok := v["value"].(string); ok {
				refs[path+"/"+name] = val
			}
		}
		for k, child := range v {
			if s, ok := child.(string); ok && (k == "image" || k == "containerImage") {
				refs[path+"/"+k] = s
				continue
			}
			walkImages(path+"/"+k, child, refs)
		}
	case []any:
		for i, child := range v {
			walkImages(fmt.Sprintf("%s[%d]", path, i), child, refs)
		}
	}
}

// pinned says whether ref names a fixed image: a digest, or a tag other
// than latest. A reference without either means latest too.
func pinned(ref string) bool {
	if strings.Contains(ref, "@sha256:") {
		return true
	}
	last := ref[strings.LastIndex(ref, "/")+1:] // a registry's :port is not a tag
	i := strings.LastIndex(last, ":")
	return i >= 0 && last[i+1:] != "" && last[i+1:] != "latest"
}

// A release manifest that names :latest (or no tag) installs whatever was
// pushed last: two nodes can run different daemons, and a rollback
// installs the new version again.
var _ = Describe("release manifests", func() {
	It("pin every image to a tag or digest, never latest", func() {
		sources := map[string][]*unstructured.Unstructured{
			"helm chart (default values)": objects(helmRender(nil)),
			"bundle CSV":                  {csv()},
		}
		for _, f := range []string{"deploy/operator.yaml", "deploy/namespace-operator.yaml"} {
			sources[f] = objects([]byte(readRepoFile(filepath.FromSlash(f))))
		}
		for source, objs := range sources {
			refs := imageRefs(objs)
			Expect(refs).NotTo(BeEmpty(), source)
			var bad []string
			for where, ref := range refs {
				if !pinned(ref) && ref != spod.UnpinnedThirdPartyImages {
					bad = append(bad, where+": "+ref)
				}
			}
			sort.Strings(bad)
			Expect(bad).To(BeEmpty(), "%s names unpinned images", source)
		}
	})

	It("pin the images the manager falls back to without RELATED_IMAGE_*", func() {
		for _, ref := range []string{spod.DefaultDaemonImage, spod.DefaultWebhookImage} {
			Expect(pinned(ref)).To(BeTrue(), ref)
		}
	})

	It("tell a pinned reference from an unpinned one", func() {
		for ref, want := range map[string]bool{
			"quay.io/x/selinuxd:latest":                false,
			"quay.io/x/selinuxd":                       false,
			"localhost:5000/x/selinuxd":                false,
			"localhost:5000/x/selinuxd:v1":             true,
			"registry.k8s.io/x/spo:v0.1.0":             true,
			"registry.k8s.io/x/spo@sha256:abcd":        true,
			"registry.k8s.io/x/spo:latest@sha256:abcd": true,
		} {
			Expect(pinned(ref)).To(Equal(want), ref)
		}
	})
})
