package controlplanefaults

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
)

const seccompKind nodestatusv1alpha1.ProfileKind = "SeccompProfile"

// convergeTimeout bounds every wait for the manager: a liveness bound,
// not a performance claim. A failover waits the old leader's 15 s lease
// out first.
const convergeTimeout = 60 * time.Second

// newNamespace creates a fresh namespace for one fault.
func (c *cluster) newNamespace(t *testing.T, prefix string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}
	if err := c.env.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

func profileName(i int) string { return fmt.Sprintf("p-%03d", i) }

func newProfile(ns string, i int) *seccompprofilev1beta1.SeccompProfile {
	return &seccompprofilev1beta1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: profileName(i)},
		Spec: seccompprofilev1beta1.SeccompProfileSpec{
			DefaultAction: seccompprofilev1beta1.ActionErrno,
			Syscalls: []seccompprofilev1beta1.Syscall{{Action: seccompprofilev1beta1.ActionAllow,
				Names: []seccompprofilev1beta1.SyscallName{"exit_group", "read", "write"}}},
		},
	}
}

// reportInstalled writes what node's daemon writes once the profile's
// file is on the node. The write is synchronous (no writer loop runs), so
// an error means the state is not stored yet; the state stays recorded in
// the writer, and a retry writes it.
func reportInstalled(ctx context.Context, node *nodestatus.Writer, sp *seccompprofilev1beta1.SeccompProfile) error {
	if _, err := node.Set(ctx, sp, seccompKind, nodestatus.State{Status: profilebasev1alpha1.StateInstalled,
		Reason: "ProfileInstalled", Message: "written to the kubelet's seccomp directory"}); err != nil {
		return err
	}
	return node.Sync(ctx)
}

// profileStates maps every SeccompProfile of ns to its state, and names
// those being deleted (deletionTimestamp set) apart.
func (c *cluster) profileStates(ctx context.Context, ns string) (map[string]profilebasev1alpha1.ProfileState, []string, error) {
	list := &seccompprofilev1beta1.SeccompProfileList{}
	if err := c.env.Client.List(ctx, list, client.InNamespace(ns)); err != nil {
		return nil, nil, err
	}
	states := map[string]profilebasev1alpha1.ProfileState{}
	var deleting []string
	for _, sp := range list.Items {
		states[sp.Name] = sp.Status.Status
		if !sp.DeletionTimestamp.IsZero() {
			deleting = append(deleting, fmt.Sprintf("%s (finalizers %v)", sp.Name, sp.Finalizers))
		}
	}
	return states, deleting, nil
}

// countIn counts the profiles of states in state want.
func countIn(states map[string]profilebasev1alpha1.ProfileState, want profilebasev1alpha1.ProfileState) int {
	n := 0
	for _, st := range states {
		if st == want {
			n++
		}
	}
	return n
}

// retry runs op until it succeeds or ctx ends, as a user's client or a
// daemon keeps trying across an API server outage. ok says which errors
// mean the op already took effect (an answer lost to the outage).
func retry(ctx context.Context, op func(context.Context) error, ok func(error) bool) (attempts int, _ error) {
	for {
		attempts++
		err := op(ctx)
		if err == nil || ok(err) {
			return attempts, nil
		}
		select {
		case <-ctx.Done():
			return attempts, fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// never and notFound are retry's ok: no error means success, or a
// NotFound (of a deletion) does.
func never(error) bool { return false }

var notFound = apierrors.IsNotFound

// awaitProgress returns once a worker sent progress of at least n, and
// fails the test if the worker finished (done) before.
func awaitProgress[T any](t *testing.T, progress <-chan int, done <-chan T, n int) {
	t.Helper()
	for got := 0; got < n; {
		select {
		case got = <-progress:
		case res := <-done:
			t.Fatalf("the work ended before the fault: %+v", res)
		}
	}
}
