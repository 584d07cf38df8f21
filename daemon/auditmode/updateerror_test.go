package auditmode

import (
	"context"
	"errors"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// profileReader finds every profile, empty.
type profileReader struct{ client.Reader }

func (profileReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	obj.SetNamespace(key.Namespace)
	obj.SetName(key.Name)
	return nil
}

// statusWriteFails is a client whose status writes fail with err.
type statusWriteFails struct {
	client.Client
	err error
}

func (c statusWriteFails) Status() client.SubResourceWriter { return failingWriter{err: c.err} }

type failingWriter struct {
	client.SubResourceWriter
	err error
}

func (w failingWriter) Update(context.Context, client.Object, ...client.SubResourceUpdateOption) error {
	return w.err
}

// TestFailedStatusWriteIsCounted: the collector's write of
// status.auditedSyscalls is the daemon's one update of a SeccompProfile,
// so its failures are what seccomp_profile_error_total's
// CannotUpdateSeccompProfile counts. A profile deleted meanwhile is not a
// failure.
func TestFailedStatusWriteIsCounted(t *testing.T) {
	g := NewWithT(t)
	profile := types.NamespacedName{Namespace: "ns", Name: "p"}
	flush := func(err error) {
		c := &Collector{Reader: profileReader{}, Client: statusWriteFails{err: err}, NodeName: "n"}
		c.Add(Call{Profile: profile, Image: "img", Syscall: "mkdir", At: time.Now()})
		c.Flush(context.Background())
	}
	before := cannotUpdateCount(g)
	flush(errors.New("etcdserver: request timed out"))
	g.Expect(cannotUpdateCount(g)).To(Equal(before + 1))
	flush(apierrors.NewNotFound(schema.GroupResource{Resource: "seccompprofiles"}, "p"))
	g.Expect(cannotUpdateCount(g)).To(Equal(before+1), "a deleted profile is no failure")
}

// cannotUpdateCount reads the counter as a scrape of this process would.
func cannotUpdateCount(g Gomega) float64 {
	families, err := metrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	for _, f := range families {
		if f.GetName() != "security_profiles_operator_seccomp_profile_error_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == "CannotUpdateSeccompProfile" {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
