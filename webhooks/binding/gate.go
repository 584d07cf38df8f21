package binding

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	"github.com/securityprofiles/operator/internal/podpatch"
	"github.com/securityprofiles/operator/internal/profilegate"
)

// maxWaitingListed bounds how many profiles a warning names.
const maxWaitingListed = 5

// waitingFor lists, sorted, the profiles of ours the pod will use once
// changes are applied that are not Installed, each with its state, e.g.
// "SeccompProfile ns/p (Pending)". This runs for every pod in a labelled
// namespace: a pod whose profiles are all Installed costs a few cache
// reads.
//
// A missing SeccompProfile is waited for: an operator path names nothing
// else. An SELinux type or AppArmor profile that no profile of ours
// answers is a node's own policy, which the operator cannot install,
// unless a binding (held, see Binding) just gave it to the pod. Profiles
// in namespaces gated reports false for are not waited for.
func waitingFor(ctx context.Context, r client.Reader, pod *corev1.Pod, changes podpatch.Changes, held map[profilegate.Ref]bool, gated func(string) bool) ([]string, error) {
	var out []string
	for _, ref := range profilegate.Refs(planned(pod, changes)) {
		if !gated(ref.Key.Namespace) {
			continue
		}
		p, err := profilegate.Read(ctx, r, ref)
		if err != nil {
			return nil, err
		}
		if !p.Found && ref.Kind != profilebindingv1alpha1.ProfileKindSeccomp && !held[ref] {
			continue
		}
		if !p.Installed() {
			out = append(out, fmt.Sprintf("%s (%s)", p.Name(), waitState(p)))
		}
	}
	return out, nil
}

// heldRefs names the profiles of the held bindings: those the pod waits
// for even before they exist.
func heldRefs(namespace string, bindings []Binding) map[profilegate.Ref]bool {
	out := map[profilegate.Ref]bool{}
	for _, b := range bindings {
		if b.Held {
			out[profilegate.Ref{Kind: b.Kind, Key: types.NamespacedName{Namespace: namespace, Name: b.Profile}}] = true
		}
	}
	return out
}

// waitState is a profile's state as a pod waiting for it sees it: "does
// not exist", Pending for a profile no node reported on yet, and never
// Installed for a partial recording, which is not installed.
func waitState(p profilegate.Profile) profilebasev1alpha1.ProfileState {
	switch {
	case !p.Found:
		return "does not exist"
	case p.Partial:
		return profilebasev1alpha1.StatePartial
	case p.Deleting:
		return profilebasev1alpha1.StateTerminating
	case p.State == "":
		return profilebasev1alpha1.StatePending
	}
	return p.State
}

// planned is the pod as it will be once changes are applied, as far as
// its profiles go. Only what changes touch is copied (the annotations,
// the container lists and the changed security contexts); the rest is
// shared with pod, which is left as it is.
func planned(pod *corev1.Pod, c podpatch.Changes) *corev1.Pod {
	if len(c.Containers) == 0 && len(c.Annotations) == 0 {
		return pod
	}
	out := *pod
	if len(c.Annotations) > 0 {
		out.Annotations = maps.Clone(pod.Annotations)
		if out.Annotations == nil {
			out.Annotations = map[string]string{}
		}
		maps.Copy(out.Annotations, c.Annotations)
	}
	if len(c.Containers) > 0 {
		out.Spec.InitContainers = slices.Clone(pod.Spec.InitContainers)
		out.Spec.Containers = slices.Clone(pod.Spec.Containers)
	}
	for ref, sec := range c.Containers {
		ctr := podpatch.Container(&out, ref)
		if ctr == nil {
			continue
		}
		sc := &corev1.SecurityContext{}
		if ctr.SecurityContext != nil {
			own := *ctr.SecurityContext
			sc = &own
		}
		if sec.Seccomp != nil {
			sc.SeccompProfile = sec.Seccomp
		}
		if sec.SELinuxType != "" {
			opts := corev1.SELinuxOptions{}
			if sc.SELinuxOptions != nil {
				opts = *sc.SELinuxOptions
			}
			opts.Type = sec.SELinuxType
			sc.SELinuxOptions = &opts
		}
		if sec.AppArmor != nil {
			sc.AppArmorProfile = sec.AppArmor
		}
		ctr.SecurityContext = sc
	}
	return &out
}

// gateWarning tells whoever created the pod why it is not scheduled yet.
func gateWarning(waiting []string) string {
	listed := waiting
	more := ""
	if len(listed) > maxWaitingListed {
		listed, more = listed[:maxWaitingListed], fmt.Sprintf(" and %d more", len(waiting)-maxWaitingListed)
	}
	return fmt.Sprintf("pod waits at scheduling gate %s until its profiles are Installed: %s%s",
		keys.ProfilesInstalledGate, strings.Join(listed, ", "), more)
}
