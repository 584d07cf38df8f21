package eventmapper

import (
	"context"
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

func TestTrackStartsAtZeroAndListFailedCounts(t *testing.T) {
	g := NewWithT(t)
	Track("one")
	g.Expect(scraped(g)).To(HaveKeyWithValue("one", 0.0), "the series is served before any failure")

	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}}
	ListFailed(context.Background(), "one", node, errors.New("boom"))
	ListFailed(context.Background(), "two", node, errors.New("boom"))
	g.Expect(scraped(g)).To(And(HaveKeyWithValue("one", 1.0), HaveKeyWithValue("two", 1.0)))
}

// scraped is the counter by controller, as controller-runtime's registry
// serves it.
func scraped(g Gomega) map[string]float64 {
	families, err := metrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() == "security_profiles_operator_event_mapper_errors_total" {
			for _, m := range f.GetMetric() {
				out[controllerOf(m)] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}

func controllerOf(m *dto.Metric) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == "controller" {
			return l.GetValue()
		}
	}
	return ""
}
