package install

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/securityprofiles/operator/test/envtest"
)

var (
	env        *envtest.Env
	kubeconfig string
)

func TestInstall(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Install suite")
}

var _ = BeforeSuite(func() {
	var err error
	env, err = envtest.Start()
	Expect(err).NotTo(HaveOccurred())
	kubeconfig = filepath.Join(GinkgoT().TempDir(), "kubeconfig")
	Expect(env.Kubeconfig(kubeconfig)).To(Succeed())
})

var _ = AfterSuite(func() {
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})

// dryRunApply sends manifests to the API server the way a user applies
// them, with a server-side dry run: defaulting, validation and admission
// run, nothing is stored.
func dryRunApply(manifests []byte) string {
	cmd := exec.Command(envtest.Kubectl(), "--kubeconfig", kubeconfig,
		"apply", "--server-side", "--dry-run=server", "--field-manager=spo-install-test", "-f", "-")
	cmd.Stdin = bytes.NewReader(manifests)
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "kubectl apply --dry-run=server:\n%s", out)
	return string(out)
}

// ensureNamespace creates a namespace for real: a dry run of a namespace
// does not make the objects inside it valid.
func ensureNamespace(ctx context.Context, name string) {
	err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if !apierrors.IsAlreadyExists(err) {
		Expect(err).NotTo(HaveOccurred())
	}
}
