package daemonfaults

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	daemonseccomp "github.com/securityprofiles/operator/daemon/seccomp"
	"github.com/securityprofiles/operator/internal/podprofiles"
	"github.com/securityprofiles/operator/internal/seccomp"
)

// variedSpec is the i-th of a set of distinct profiles: it allows a
// window of the base syscalls whose start and length both depend on i,
// so no two of the first 4*len(BaseSyscalls) profiles have the same file.
func variedSpec(i int) seccompprofilev1beta1.SeccompProfileSpec {
	base := seccomp.BaseSyscalls()
	start, length := i%len(base), 1+i/len(base)
	names := make([]seccompprofilev1beta1.SyscallName, 0, length)
	for k := range length {
		names = append(names, seccompprofilev1beta1.SyscallName(base[(start+k)%len(base)]))
	}
	return seccompprofilev1beta1.SeccompProfileSpec{
		DefaultAction: seccompprofilev1beta1.ActionErrno,
		Syscalls:      []seccompprofilev1beta1.Syscall{{Names: names, Action: seccompprofilev1beta1.ActionAllow}},
	}
}

// bigSpec is a profile of rules rules, each allowing write(2) to one more
// file descriptor: about 150 bytes of JSON per rule, so its file spans
// several pages of a tmpfs.
func bigSpec(rules int) seccompprofilev1beta1.SeccompProfileSpec {
	spec := seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: seccompprofilev1beta1.ActionErrno}
	for fd := range rules {
		spec.Syscalls = append(spec.Syscalls, seccompprofilev1beta1.Syscall{
			Names:  []seccompprofilev1beta1.SyscallName{"write"},
			Action: seccompprofilev1beta1.ActionAllow,
			Args:   []seccompprofilev1beta1.Arg{{Index: 0, Value: int64(fd), Op: "SCMP_CMP_EQ"}},
		})
	}
	return spec
}

func profile(namespace, name string, spec seccompprofilev1beta1.SeccompProfileSpec) *seccompprofilev1beta1.SeccompProfile {
	return &seccompprofilev1beta1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec:       spec,
	}
}

// files is what the daemon must install for a profile, by path relative
// to the storage: the profile and its audit-mode copy.
type files map[string][]byte

// expectedFiles renders a profile's files with the daemon's own encoder
// (daemon/seccomp.Resolve and Encode, internal/seccomp.AuditCopyWithin),
// as the daemon does for a profile with no base and no spod limits.
func expectedFiles(t *testing.T, sp *seccompprofilev1beta1.SeccompProfile) files {
	t.Helper()
	noBase := func(string) (*seccompprofilev1beta1.SeccompProfileSpec, bool) { return nil, false }
	p, err := daemonseccomp.Resolve(sp.Spec, noBase)
	if err != nil {
		t.Fatalf("resolve %s: %v", sp.Name, err)
	}
	data, err := daemonseccomp.Encode(p, daemonseccomp.Limits{})
	if err != nil {
		t.Fatalf("encode %s: %v", sp.Name, err)
	}
	audit, err := seccomp.EncodeOCI(seccomp.AuditCopyWithin(p, nil))
	if err != nil {
		t.Fatalf("encode audit copy of %s: %v", sp.Name, err)
	}
	return files{
		filepath.Join(sp.Namespace, sp.Name+".json"):                       data,
		filepath.Join(sp.Namespace, podprofiles.AuditDir, sp.Name+".json"): audit,
	}
}

// statuses are what this node reports in a namespace for its
// SeccompProfiles, by profile name: the entries of the node's status
// object there (named after the node), empty while it has none.
func statuses(ctx context.Context, c client.Client, namespace, nodeName string) (map[string]nodestatusv1alpha1.ProfileNodeState, error) {
	obj := &nodestatusv1alpha1.SecurityProfileNodeStatus{}
	err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: nodeName}, obj)
	if apierrors.IsNotFound(err) {
		return map[string]nodestatusv1alpha1.ProfileNodeState{}, nil
	}
	if err != nil {
		return nil, err
	}
	if obj.NodeName != nodeName {
		return nil, fmt.Errorf("node status %s/%s is of node %q", namespace, nodeName, obj.NodeName)
	}
	states := obj.States()
	out := make(map[string]nodestatusv1alpha1.ProfileNodeState, len(states))
	for _, e := range states {
		if e.Kind == "SeccompProfile" {
			out[e.Name] = e
		}
	}
	return out, nil
}

// countState counts the states that are state.
func countState(all map[string]nodestatusv1alpha1.ProfileNodeState, state string) int {
	n := 0
	for _, s := range all {
		if string(s.Status) == state {
			n++
		}
	}
	return n
}

func profileName(i int) string { return fmt.Sprintf("p%03d", i) }
