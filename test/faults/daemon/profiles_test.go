package daemonfaults

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
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

// statuses are this node's SecurityProfileNodeStatus objects in a
// namespace, by profile name.
func statuses(ctx context.Context, c client.Client, namespace, nodeName string) (map[string]nodestatusv1alpha1.SecurityProfileNodeStatus, error) {
	list := &nodestatusv1alpha1.SecurityProfileNodeStatusList{}
	err := c.List(ctx, list, client.InNamespace(namespace),
		client.MatchingLabels{keys.NodeNameLabel: nodestatus.LabelValue(nodeName)})
	if err != nil {
		return nil, err
	}
	out := make(map[string]nodestatusv1alpha1.SecurityProfileNodeStatus, len(list.Items))
	for _, s := range list.Items {
		out[s.ProfileName] = s
	}
	return out, nil
}

// countState counts the statuses in state.
func countState(all map[string]nodestatusv1alpha1.SecurityProfileNodeStatus, state string) int {
	n := 0
	for _, s := range all {
		if string(s.Status) == state {
			n++
		}
	}
	return n
}

func profileName(i int) string { return fmt.Sprintf("p%03d", i) }
