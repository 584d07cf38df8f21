package selinux

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/internal/selinuxd"
)

// noProfiles finds no profile anywhere. A restricted daemon's cache
// cannot tell about other namespaces at all, so the sweep must not judge
// their policies by whatever a lookup answers.
type noProfiles struct{}

func (noProfiles) Get(_ context.Context, key client.ObjectKey, _ client.Object, _ ...client.GetOption) error {
	return apierrors.NewNotFound(schema.GroupResource{Resource: "selinuxprofiles"}, key.Name)
}

func (noProfiles) List(context.Context, client.ObjectList, ...client.ListOption) error { return nil }

// The policy directory is node-wide: a namespaced install must not remove
// the policies another install, restricted to another namespace, put
// there. No API server is needed: the sweep only asks whether a profile
// exists.
func TestSweepLeavesUnwatchedNamespaces(t *testing.T) {
	g := NewWithT(t)
	dir := selinuxd.PolicyDir{Path: t.TempDir()}
	for _, policy := range []string{"gone_team-a", "gone_spo", "theirs_team-b"} {
		_, err := dir.Write(policy, []byte("(block "+policy+")\n"))
		g.Expect(err).NotTo(HaveOccurred())
	}
	sweep := orphanSweep{client: noProfiles{}, dir: dir, watchNamespace: "team-a", operatorNamespace: "spo"}
	g.Expect(sweep.Start(context.Background())).To(Succeed())
	g.Expect(dir.List()).To(ConsistOf("theirs_team-b"))
}
