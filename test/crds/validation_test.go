package crds

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// rejected is a manifest the API server must refuse, and the field path its
// message must name.
type rejected struct {
	name     string
	manifest string
	field    string
	also     string
}

var rejections = []rejected{{
	name: "an unknown defaultAction",
	manifest: `
apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata: {name: bad}
spec: {defaultAction: SCMP_ACT_MAYBE}`,
	field: "spec.defaultAction",
	also:  "SCMP_ACT_MAYBE",
}, {
	name: "an unknown architecture",
	manifest: `
apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata: {name: bad}
spec: {defaultAction: SCMP_ACT_ERRNO, architectures: [SCMP_ARCH_Z80]}`,
	field: "spec.architectures[0]",
	also:  "SCMP_ARCH_Z80",
}, {
	name: "empty syscalls[].names",
	manifest: `
apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata: {name: bad}
spec:
  defaultAction: SCMP_ACT_ERRNO
  syscalls: [{action: SCMP_ACT_ALLOW, names: []}]`,
	field: "spec.syscalls[0].names",
}, {
	name: "a syscall name that is not a name",
	manifest: `
apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata: {name: bad}
spec:
  defaultAction: SCMP_ACT_ERRNO
  syscalls: [{action: SCMP_ACT_ALLOW, names: ["../../etc"]}]`,
	field: "spec.syscalls[0].names[0]",
}, {
	name: "a bpf recording of a SelinuxProfile",
	manifest: `
apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
kind: ProfileRecording
metadata: {name: bad}
spec:
  kind: SelinuxProfile
  recorder: bpf
  podSelector: {matchLabels: {app: my-app}}`,
	field: "spec.recorder",
	also:  "use recorder logs",
}, {
	name: "a ProfileBinding with neither image nor podSelector",
	manifest: `
apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
kind: ProfileBinding
metadata: {name: bad}
spec:
  profileRef: {kind: SeccompProfile, name: profile1}`,
	field: "spec",
	also:  "set image, podSelector or both",
}, {
	name: "a ProfileBinding to a RawSelinuxProfile",
	manifest: `
apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
kind: ProfileBinding
metadata: {name: bad}
spec:
  profileRef: {kind: RawSelinuxProfile, name: raw}
  image: nginx`,
	field: "spec.profileRef.kind",
}, {
	name: "a spod not named spod",
	manifest: `
apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
kind: SecurityProfilesOperatorDaemon
metadata: {name: other}`,
	field: "must be named spod",
}, {
	name: "a spod verbosity above 1",
	manifest: `
apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
kind: SecurityProfilesOperatorDaemon
metadata: {name: spod}
spec: {verbosity: 2}`,
	field: "spec.verbosity",
}, {
	name: "a ProfileRecording name longer than a label value",
	manifest: `
apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
kind: ProfileRecording
metadata: {name: recording-with-a-name-that-is-much-longer-than-sixty-three-characters}
spec: {kind: SeccompProfile, recorder: bpf, podSelector: {}}`,
	field: "at most 63 characters",
}, {
	name: "an unknown spod field",
	manifest: `
apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
kind: SecurityProfilesOperatorDaemon
metadata: {name: spod}
spec: {enableApparmor: true}`,
	field: `unknown field "spec.enableApparmor"`,
}, {
	name: "a SelinuxProfile allow rule with policy syntax in a type",
	manifest: `
apiVersion: security-profiles-operator.x-k8s.io/v1alpha2
kind: SelinuxProfile
metadata: {name: bad}
spec:
  allow:
    "node_t) (allow": {tcp_socket: [listen]}`,
	field: "spec.allow",
}}

var _ = Describe("CRD validation", func() {
	for _, r := range rejections {
		It("rejects "+r.name+" naming the field", func(ctx SpecContext) {
			obj := &unstructured.Unstructured{}
			Expect(yaml.Unmarshal([]byte(r.manifest), &obj.Object)).To(Succeed())
			obj.SetNamespace(newNamespace(ctx))
			err := env.Client.Create(ctx, obj, client.FieldValidation("Strict"))
			Expect(err).To(HaveOccurred())
			Expect(apierrors.IsInvalid(err) || apierrors.IsBadRequest(err)).To(BeTrue(), err.Error())
			Expect(err.Error()).To(ContainSubstring(r.field))
			Expect(err.Error()).To(ContainSubstring(r.also))
		})
	}
})
