package crds

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/test/spodpatches"
)

var _ = Describe("The manual's spod patches", func() {
	It("has all fifteen", func() {
		Expect(spodpatches.Manual).To(HaveLen(15))
	})

	for i, body := range spodpatches.Manual {
		It("keeps every field of patch "+string(rune('A'+i)), func(ctx SpecContext) {
			spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
			spod.Name = spodv1alpha1.Name
			spod.Namespace = newNamespace(ctx)
			Expect(env.Client.Create(ctx, spod)).To(Succeed())

			// kubectl accepts the YAML patch file too; it converts it to JSON.
			patch, err := yaml.YAMLToJSON([]byte(body))
			Expect(err).NotTo(HaveOccurred())
			Expect(env.Client.Patch(ctx, spod, client.RawPatch(types.MergePatchType, patch),
				client.FieldValidation("Strict"))).To(Succeed())

			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(spodv1alpha1.GroupVersion.WithKind("SecurityProfilesOperatorDaemon"))
			Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(spod), got)).To(Succeed())
			var want map[string]any
			Expect(json.Unmarshal(patch, &want)).To(Succeed())
			Expect(got.Object).To(ContainSubset(want))
		})
	}

	It("treats the manual's apparmorenabled spelling as enableAppArmor", func(ctx SpecContext) {
		spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
		spod.Name = spodv1alpha1.Name
		spod.Namespace = newNamespace(ctx)
		Expect(env.Client.Create(ctx, spod)).To(Succeed())
		Expect(spod.Spec.AppArmorEnabled()).To(BeFalse())
		Expect(env.Client.Patch(ctx, spod, client.RawPatch(types.MergePatchType,
			[]byte(`{"spec":{"apparmorenabled":"true"}}`)), client.FieldValidation("Strict"))).To(Succeed())
		Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(spod), spod)).To(Succeed())
		Expect(spod.Spec.AppArmorEnabled()).To(BeTrue())
	})

	It("fills the documented defaults", func(ctx SpecContext) {
		spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
		spod.Name = spodv1alpha1.Name
		spod.Namespace = newNamespace(ctx)
		Expect(env.Client.Create(ctx, spod)).To(Succeed())
		Expect(spod.Spec.PriorityClassName).To(Equal(spodv1alpha1.DefaultPriorityClassName))
		Expect(spod.Spec.SelinuxTypeTag).To(Equal(spodv1alpha1.DefaultSelinuxTypeTag))
		Expect(spod.Spec.HostProcVolumePath).To(Equal(spodv1alpha1.DefaultHostProcPath))
		Expect(spod.Spec.SelinuxOpts.AllowedSystemProfiles).To(Equal([]string{"container"}))
	})
})
