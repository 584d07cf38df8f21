package main_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/internal/seccomp"
	"github.com/securityprofiles/operator/test/envtest"
)

// TestRecordedCRDAppliesToAPIServer applies spoc's YAML with kubectl to a
// real kube-apiserver with the operator's CRDs, and reads it back.
func TestRecordedCRDAppliesToAPIServer(t *testing.T) {
	requireRecorder(t)
	g := NewWithT(t)
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile.yaml")
	rec := spoc(t, "record", "-o", profile, "ls", "/")
	g.Expect(rec.code).To(Equal(0), rec.stderr)

	env, err := envtest.Start()
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = env.Stop() })
	kubeconfig := filepath.Join(dir, "kubeconfig")
	g.Expect(env.Kubeconfig(kubeconfig)).To(Succeed())

	apply := execute(t, nil, envtest.Kubectl(), "--kubeconfig", kubeconfig, "apply", "-n", "default", "-f", profile)
	g.Expect(apply.code).To(Equal(0), apply.stderr)
	g.Expect(apply.stdout).To(ContainSubstring("seccompprofile.security-profiles-operator.x-k8s.io/ls created"))

	var got seccompprofilev1beta1.SeccompProfile
	g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: "ls"}, &got)).To(Succeed())
	data, err := os.ReadFile(profile)
	g.Expect(err).NotTo(HaveOccurred())
	_, want, err := seccomp.DecodeCRD(data)
	g.Expect(err).NotTo(HaveOccurred())
	stored, err := seccomp.FromSpec(got.Spec)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(stored).To(Equal(want))
}
