package binding

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/internal/podpatch"
	"github.com/securityprofiles/operator/internal/podprofiles"
)

// maxWaitingListed bounds how many profiles a warning names.
const maxWaitingListed = 5

// waitingFor lists, sorted, the operator-managed seccomp profiles the
// pod will use once changes are applied that are not Installed, each with
// its state, e.g. "SeccompProfile ns/p (Pending)". The pod as admitted is
// never copied: this runs for every pod in a labelled namespace, and a
// pod whose profiles are all Installed must cost no more than a few cache
// reads.
// Profiles in namespaces gated reports false for are not waited for.
func waitingFor(ctx context.Context, r client.Reader, pod *corev1.Pod, changes podpatch.Changes, gated func(string) bool) ([]string, error) {
	override := func(init bool, index int) (*corev1.SeccompProfile, bool) {
		sec, ok := changes.Containers[podpatch.ContainerRef{Init: init, Index: index}]
		return sec.Seccomp, ok && sec.Seccomp != nil
	}
	var out []string
	for _, path := range podprofiles.SeccompWith(pod, override) {
		key, _ := podprofiles.ParseLocalhostPath(path)
		if !gated(key.Namespace) {
			continue
		}
		state, err := seccompState(ctx, r, key)
		if err != nil {
			return nil, err
		}
		if state != profilebasev1alpha1.StateInstalled {
			out = append(out, fmt.Sprintf("SeccompProfile %s (%s)", key, state))
		}
	}
	return out, nil
}

// seccompState is a profile's state as a pod waiting for it sees it:
// "does not exist", Pending for a profile no node reported on yet, and
// never Installed for a partial recording, which is not installed.
func seccompState(ctx context.Context, r client.Reader, key client.ObjectKey) (profilebasev1alpha1.ProfileState, error) {
	sp := &seccompprofilev1beta1.SeccompProfile{}
	err := r.Get(ctx, key, sp, client.UnsafeDisableDeepCopy)
	switch {
	case apierrors.IsNotFound(err):
		return "does not exist", nil
	case err != nil:
		return "", fmt.Errorf("get SeccompProfile %s: %w", key, err)
	case sp.Labels[keys.PartialLabel] == "true":
		return profilebasev1alpha1.StatePartial, nil
	case !sp.DeletionTimestamp.IsZero():
		return profilebasev1alpha1.StateTerminating, nil
	case sp.Status.Status == "":
		return profilebasev1alpha1.StatePending, nil
	}
	return sp.Status.Status, nil
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
