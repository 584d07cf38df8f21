package podgate

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	"github.com/securityprofiles/operator/internal/profilegate"
)

// profiles reads every profile of ours the pod references, as the binding
// webhook chose them when it gated the pod: a missing SeccompProfile
// counts, but an SELinux type or AppArmor profile that no object of ours
// answers is a node's own policy, which never gets Installed, unless a
// binding applied to the pod names it.
func (r *Reconciler) profiles(ctx context.Context, pod *corev1.Pod) ([]Profile, error) {
	var out []Profile
	for _, ref := range profilegate.Refs(pod) {
		if !r.watched(ref.Key.Namespace) {
			continue
		}
		p, err := profilegate.Read(ctx, r.Client, ref)
		if err != nil {
			return nil, err
		}
		if !p.Found && ref.Kind != profilebindingv1alpha1.ProfileKindSeccomp {
			bound, err := r.bound(ctx, pod, ref)
			if err != nil {
				return nil, err
			}
			if !bound {
				continue
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// bound reports whether one of the ProfileBindings the webhook applied to
// the pod (its bindings annotation) points at ref. A binding that is gone
// no longer counts.
func (r *Reconciler) bound(ctx context.Context, pod *corev1.Pod, ref profilegate.Ref) (bool, error) {
	for _, name := range strings.Split(pod.Annotations[keys.BindingsAnnotation], ",") {
		if name == "" {
			continue
		}
		b := &profilebindingv1alpha1.ProfileBinding{}
		err := r.Client.Get(ctx, client.ObjectKey{Namespace: pod.Namespace, Name: name}, b)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("read ProfileBinding %s/%s: %w", pod.Namespace, name, err)
		}
		if b.Spec.ProfileRef.Kind == ref.Kind && b.Namespace == ref.Key.Namespace && b.Spec.ProfileRef.Name == ref.Key.Name {
			return true, nil
		}
	}
	return false, nil
}
