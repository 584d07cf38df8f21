package lsmprofile

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
// serve a kind or index.
type listFails struct{ client.Client }

func (listFails) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return errors.New("no informer for the list")
}

// A watch event the map functions cannot turn into requests is lost, so
// it must show up in the event-mapper error counter of its controller.
func TestMapperCountsAFailedList(t *testing.T) {
	g := NewWithT(t)
	for _, k := range []kind{selinuxKind(nil), rawSelinuxKind(nil), appArmorKind(nil)} {
		r := &Reconciler{client: listFails{}, kind: k}
		before := mapperErrors(g, r.controllerName())
		g.Expect(r.allProfiles(context.Background(), &corev1.Node{})).To(BeEmpty())
		g.Expect(mapperErrors(g, r.controllerName())).To(Equal(before+1), r.controllerName())
	}
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
