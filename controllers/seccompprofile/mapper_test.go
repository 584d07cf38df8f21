package seccompprofile

import (
	"context"
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// listFails is a client whose List fails, as a cache does that cannot
// serve a kind.
type listFails struct{ client.Client }

func (listFails) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return errors.New("no informer for SeccompProfileList")
}

// TestNodeEventMapperCountsAFailedList: a node event the mapper cannot
// turn into profile requests is lost, so it must at least show up in
// security_profiles_operator_event_mapper_errors_total.
func TestNodeEventMapperCountsAFailedList(t *testing.T) {
	g := NewWithT(t)
	r := &Reconciler{Client: listFails{}}
	before := mapperErrors(g, "seccompprofile")
	g.Expect(r.allProfiles(context.Background(), &corev1.Node{})).To(BeEmpty())
	g.Expect(mapperErrors(g, "seccompprofile")).To(Equal(before + 1))
}

func mapperErrors(g Gomega, controller string) float64 {
	families, err := metrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	for _, f := range families {
		if f.GetName() != "security_profiles_operator_event_mapper_errors_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == controller {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
