package main

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/test/webhooktest"
)

const (
	bindings   = 100
	recordings = 20
)

// fastClient lifts client-go's default 5 QPS limit, which would otherwise
// be what the end-to-end numbers measure.
func fastClient(s *webhooktest.Suite) (client.Client, error) {
	cfg := rest.CopyConfig(s.Env.Config)
	cfg.QPS, cfg.Burst = 2000, 2000
	return client.New(cfg, client.Options{Scheme: s.Env.Scheme})
}

// populate creates a namespace labelled for both webhooks holding the
// bindings, their installed profiles and the recordings.
func populate(ctx context.Context, c client.Client) (string, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "bench-", Labels: map[string]string{
		keys.EnableBindingLabel: "", keys.EnableRecordingLabel: "",
	}}}
	if err := c.Create(ctx, ns); err != nil {
		return "", err
	}
	for i := range bindings {
		name := fmt.Sprintf("profile-%d", i)
		sp := &seccompprofilev1beta1.SeccompProfile{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: name},
			Spec:       seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: "SCMP_ACT_LOG"},
		}
		if err := c.Create(ctx, sp); err != nil {
			return "", err
		}
		sp.Status.SetState(profilebasev1alpha1.StateInstalled, "Installed", "installed", sp.Generation)
		sp.Status.LocalhostProfile = "operator/" + ns.Name + "/" + name + ".json"
		if err := c.Status().Update(ctx, sp); err != nil {
			return "", err
		}
		b := &profilebindingv1alpha1.ProfileBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: fmt.Sprintf("binding-%d", i)},
			Spec: profilebindingv1alpha1.ProfileBindingSpec{
				ProfileRef: profilebindingv1alpha1.ProfileRef{Kind: profilebindingv1alpha1.ProfileKindSeccomp, Name: name},
				Image:      image(i),
			},
		}
		if err := c.Create(ctx, b); err != nil {
			return "", err
		}
	}
	for i := range recordings {
		r := &profilerecordingv1alpha1.ProfileRecording{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: fmt.Sprintf("recording-%d", i)},
			Spec: profilerecordingv1alpha1.ProfileRecordingSpec{
				Kind: profilerecordingv1alpha1.RecordingKindSeccomp, Recorder: profilerecordingv1alpha1.RecorderBPF,
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": fmt.Sprintf("app-%d", i)}},
			},
		}
		if err := c.Create(ctx, r); err != nil {
			return "", err
		}
	}
	return ns.Name, nil
}

func image(i int) string {
	return fmt.Sprintf("registry.example/app-%d:1.0", i)
}

// benchPod matches two bindings (containers) and one recording.
func benchPod(ns, generateName string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: generateName, Labels: map[string]string{"app": "app-7"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "web", Image: image(3)},
			{Name: "cache", Image: image(42)},
		}},
	}
}

// waitMutated waits until both webhooks' caches hold everything.
func waitMutated(ctx context.Context, c client.Client, ns string) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		p := benchPod(ns, "probe-")
		if err := c.Create(ctx, p, client.DryRunAll); err != nil {
			return err
		}
		sc := p.Spec.Containers[1].SecurityContext
		if sc != nil && sc.SeccompProfile != nil && p.Annotations[keys.RecordingAnnotationKey("cache")] != "" {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("webhooks did not mutate the bench pod within a minute")
}
