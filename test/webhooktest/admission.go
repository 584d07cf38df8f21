package webhooktest

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Requests is how many admission requests the webhook server has received
// for this suite's webhook, read from its Prometheus counter.
func (s *Suite) Requests() (float64, error) {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return 0, err
	}
	for _, f := range families {
		if f.GetName() != "security_profiles_operator_webhook_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "webhook" && l.GetValue() == s.Name {
					return m.GetCounter().GetValue(), nil
				}
			}
		}
	}
	return 0, nil
}

// WaitForAdmission creates dry-run pods in namespace until one reaches the
// webhook: the API server picks up a new or changed webhook configuration
// asynchronously, so a test that needs it in effect waits here first.
func (s *Suite) WaitForAdmission(ctx context.Context, namespace string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		before, err := s.Requests()
		if err != nil {
			return err
		}
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "probe-", Namespace: namespace},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "probe"}}},
		}
		if err := s.Env.Client.Create(ctx, pod, client.DryRunAll); err != nil {
			return fmt.Errorf("dry-run pod: %w", err)
		}
		if after, err := s.Requests(); err != nil || after > before {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no pod in %s reached %s within %s", namespace, s.Name, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
