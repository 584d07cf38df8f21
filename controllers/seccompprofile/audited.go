package seccompprofile

import (
	"context"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/internal/seccomp"
)

// Event reasons of the allow-audited-syscalls annotation.
const (
	ReasonAuditedSyscallsAllowed = "AuditedSyscallsAllowed"
	ReasonNothingAudited         = "NothingAudited"
)

// allowAudited answers the allow-audited-syscalls annotation: every
// syscall audit mode listed becomes allowed, and the annotation goes, in
// one optimistic write of the user's object. The next pass prunes the
// listed entries from the status (see pruneAudited), so a failure between
// the two writes loses nothing.
func (r *Reconciler) allowAudited(ctx context.Context, sp *seccompprofilev1beta1.SeccompProfile) error {
	var names []string
	for _, a := range sp.Status.AuditedSyscalls {
		names = append(names, a.Syscall)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	before := sp.DeepCopy()
	delete(sp.Annotations, keys.AllowAuditedSyscallsAnnotation)
	Allow(&sp.Spec, names)
	if err := r.Client.Patch(ctx, sp, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return client.IgnoreNotFound(err)
	}
	if r.Events == nil {
		return nil
	}
	if len(names) == 0 {
		r.Events.Eventf(sp, nil, corev1.EventTypeNormal, ReasonNothingAudited, "AllowAudited",
			"status.auditedSyscalls is empty: nothing to allow")
		return nil
	}
	r.Events.Eventf(sp, nil, corev1.EventTypeNormal, ReasonAuditedSyscallsAllowed, "AllowAudited",
		"Allowed %d syscall(s) seen in audit mode: %s", len(names), strings.Join(names, ", "))
	return nil
}

// Allow makes spec let every call of names through: names leave the
// blocking rules that match them unconditionally, and join the first
// unconditional SCMP_ACT_ALLOW rule (a new one if there is none) unless
// the default action already allows them.
func Allow(spec *seccompprofilev1beta1.SeccompProfileSpec, names []string) {
	if len(names) == 0 {
		return
	}
	kept := spec.Syscalls[:0:0]
	for _, rule := range spec.Syscalls {
		if seccomp.Blocks(string(rule.Action)) && len(rule.Args) == 0 {
			rule.Names = slices.DeleteFunc(slices.Clone(rule.Names), func(n seccompprofilev1beta1.SyscallName) bool {
				return slices.Contains(names, string(n))
			})
			if len(rule.Names) == 0 {
				continue
			}
		}
		kept = append(kept, rule)
	}
	spec.Syscalls = kept
	if !seccomp.Blocks(string(spec.DefaultAction)) {
		return
	}
	i := slices.IndexFunc(spec.Syscalls, func(s seccompprofilev1beta1.Syscall) bool {
		return s.Action == seccompprofilev1beta1.ActionAllow && len(s.Args) == 0
	})
	if i < 0 {
		spec.Syscalls = append(spec.Syscalls, seccompprofilev1beta1.Syscall{Action: seccompprofilev1beta1.ActionAllow})
		i = len(spec.Syscalls) - 1
	}
	rule := &spec.Syscalls[i]
	for _, n := range names {
		if !slices.Contains(rule.Names, seccompprofilev1beta1.SyscallName(n)) {
			rule.Names = append(rule.Names, seccompprofilev1beta1.SyscallName(n))
		}
	}
	slices.Sort(rule.Names)
}

// pruneAudited drops the status entries of syscalls the profile's own
// rules now allow unconditionally, reporting whether it dropped any. Its
// base profile is left out: calls a base allows were never logged.
func pruneAudited(sp *seccompprofilev1beta1.SeccompProfile) bool {
	if len(sp.Status.AuditedSyscalls) == 0 {
		return false
	}
	own := sp.Spec.DeepCopy()
	own.BaseProfileName = ""
	p, err := seccomp.FromSpec(*own)
	if err != nil {
		// The node reports an invalid profile; nothing to prune by.
		return false
	}
	n := len(sp.Status.AuditedSyscalls)
	sp.Status.AuditedSyscalls = slices.DeleteFunc(sp.Status.AuditedSyscalls, func(a seccompprofilev1beta1.AuditedSyscall) bool {
		return seccomp.AllowsUnconditionally(p, a.Syscall)
	})
	if len(sp.Status.AuditedSyscalls) == 0 {
		sp.Status.AuditedSyscalls = nil
		sp.Status.AuditedSyscallsDropped = 0
	}
	return len(sp.Status.AuditedSyscalls) != n
}
