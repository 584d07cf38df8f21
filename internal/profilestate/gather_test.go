package profilestate

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/test/envtest"
)

// TestGather runs against a real API server, through a cache that does not
// hold one node that exists (as a cache that has not caught up with a node
// that just joined): that node's status must survive, a vanished node's and
// an object of the earlier shape must go.
func TestGather(t *testing.T) {
	env, err := envtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c := env.Client
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "known", Labels: map[string]string{"cached": "yes"}}}))
	must(c.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "joined"}}))
	must(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns"}}))
	sp := &seccompprofilev1beta1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"},
		Spec: seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: seccompprofilev1beta1.ActionAllow}}
	must(c.Create(ctx, sp))
	report := func(name, node string) {
		must(c.Create(ctx, &nodestatusv1alpha1.SecurityProfileNodeStatus{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, NodeName: node,
			Profiles: []nodestatusv1alpha1.ProfileNodeState{{Kind: "SeccompProfile", Name: "p", UID: sp.UID,
				Status: profilebasev1alpha1.StateInstalled}},
		}))
	}
	for _, n := range []string{"known", "joined", "gone"} {
		report(n, n)
	}
	report("seccompprofile-p-known-0123456789abcdef", "known") // the earlier shape

	cached, err := cache.New(env.Config, cache.Options{Scheme: env.Scheme, ByObject: map[client.Object]cache.ByObject{
		&corev1.Node{}: {Label: labels.SelectorFromSet(labels.Set{"cached": "yes"})}}})
	must(err)
	go func() { _ = cached.Start(ctx) }()
	reader, err := client.New(env.Config, client.Options{Scheme: env.Scheme, Cache: &client.CacheOptions{Reader: cached}})
	must(err)
	var nodes []corev1.Node
	var states map[string]nodestatusv1alpha1.ProfileNodeState
	deadline := time.Now().Add(10 * time.Second)
	for {
		nodes, states, err = Gather(ctx, reader, c, "SeccompProfile", sp)
		if err == nil && len(states) == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	must(err)
	if len(nodes) != 1 || nodes[0].Name != "known" {
		t.Errorf("nodes: got %v, want the cached node only", NodeNames(nodes))
	}
	if s, ok := states["known"]; len(states) != 1 || !ok || s.Status != profilebasev1alpha1.StateInstalled {
		t.Errorf("states: got %+v, want known=Installed only", states)
	}
	exists := func(name string) bool {
		err := c.Get(ctx, client.ObjectKey{Namespace: "ns", Name: name}, &nodestatusv1alpha1.SecurityProfileNodeStatus{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		return err == nil
	}
	for name, want := range map[string]bool{"known": true, "joined": true, "gone": false,
		"seccompprofile-p-known-0123456789abcdef": false} {
		if got := exists(name); got != want {
			t.Errorf("status %s exists: %v, want %v", name, got, want)
		}
	}
}
