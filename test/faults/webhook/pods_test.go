package webhookfaults

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

// image is the image the ProfileBindings name, and every pod runs.
const image = "nginx:1.19.1"

// nsKind is how a namespace is labelled for the webhooks.
type nsKind string

const (
	bindingNS   nsKind = "binding-labelled"
	recordingNS nsKind = "recording-labelled"
	plainNS     nsKind = "unlabelled"
)

// labels opt a namespace of each kind into its webhook.
var labels = map[nsKind]map[string]string{
	bindingNS:   {keys.EnableBindingLabel: ""},
	recordingNS: {keys.EnableRecordingLabel: ""},
	plainNS:     nil,
}

// fixture is one namespace with an Installed SeccompProfile and a
// ProfileBinding for image. The unlabelled namespace has them too, so a
// pod there left alone proves the selector kept the webhook away, not a
// lack of anything to bind.
type fixture struct {
	kind nsKind
	ns   string
	// path is the Localhost profile a bound container gets.
	path string
}

func newFixture(ctx context.Context, t *testing.T, c client.Client, kind nsKind) fixture {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "fault-", Labels: labels[kind]}}
	must(t, c.Create(ctx, ns))
	sp := &seccompprofilev1beta1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "nginx"},
		Spec:       seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: "SCMP_ACT_LOG"},
	}
	must(t, c.Create(ctx, sp))
	path := "operator/" + ns.Name + "/nginx.json"
	// Installed, as the daemons and manager would report it, so the
	// binding applies and the pod is not held at the scheduling gate.
	sp.Status.SetState(profilebasev1alpha1.StateInstalled, "Installed", "installed on every node", sp.Generation)
	sp.Status.LocalhostProfile = path
	must(t, c.Status().Update(ctx, sp))
	must(t, c.Create(ctx, &profilebindingv1alpha1.ProfileBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "nginx"},
		Spec: profilebindingv1alpha1.ProfileBindingSpec{
			ProfileRef: profilebindingv1alpha1.ProfileRef{Kind: profilebindingv1alpha1.ProfileKindSeccomp, Name: "nginx"},
			Image:      image,
		},
	}))
	return fixture{kind: kind, ns: ns.Name, path: path}
}

func (f fixture) pod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
	}
}

// bound reports whether binding.spo.io mutated pod: its container has the
// bound profile.
func (f fixture) bound(pod *corev1.Pod) bool {
	sc := pod.Spec.Containers[0].SecurityContext
	return sc != nil && sc.SeccompProfile != nil && sc.SeccompProfile.LocalhostProfile != nil &&
		*sc.SeccompProfile.LocalhostProfile == f.path
}

// untouched reports whether pod is as the user wrote it: no security
// context on the container and no scheduling gate.
func untouched(pod *corev1.Pod) bool {
	return pod.Spec.Containers[0].SecurityContext == nil && len(pod.Spec.SchedulingGates) == 0
}

// attempt is one pod creation and what came of it.
type attempt struct {
	fixture fixture
	// phase is the name prefix: which step of the test made it.
	phase string
	name  string
	// startEpoch and endEpoch are the fault epoch (see epochs) when the
	// request was sent and when its answer came back.
	startEpoch, endEpoch int32
	err                  error
	// pod is the object the API server stored, nil when refused.
	pod *corev1.Pod
}

// The fault epochs: the webhook serves; SIGKILL sent; process gone.
const (
	epochUp int32 = iota
	epochKilling
	epochDown
)

// ledger records every creation, so the end of the test can check that
// each acknowledged pod exists and no refused one does.
type ledger struct {
	mu       sync.Mutex
	attempts []attempt
	seq      atomic.Int64
}

// create creates a pod named after prefix in f, records the outcome and
// returns it.
func (l *ledger) create(ctx context.Context, c client.Client, f fixture, prefix string, epoch *atomic.Int32) attempt {
	a := attempt{fixture: f, phase: prefix, name: fmt.Sprintf("%s-%04d", prefix, l.seq.Add(1))}
	pod := f.pod(a.name)
	a.startEpoch = epoch.Load()
	a.err = c.Create(ctx, pod)
	a.endEpoch = epoch.Load()
	if a.err == nil {
		a.pod = pod
	}
	l.mu.Lock()
	l.attempts = append(l.attempts, a)
	l.mu.Unlock()
	return a
}

func (l *ledger) all() []attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]attempt(nil), l.attempts...)
}

// lost lists, per namespace, the acknowledged pods that are not stored
// (lost) and the refused pods that are (phantoms).
func (l *ledger) lost(ctx context.Context, t *testing.T, c client.Client) (lost, phantoms []string) {
	t.Helper()
	stored := map[string]bool{}
	for _, ns := range l.namespaces() {
		list := &corev1.PodList{}
		must(t, c.List(ctx, list, client.InNamespace(ns)))
		for _, p := range list.Items {
			stored[p.Namespace+"/"+p.Name] = true
		}
	}
	for _, a := range l.all() {
		key := a.fixture.ns + "/" + a.name
		switch {
		case a.err == nil && !stored[key]:
			lost = append(lost, key)
		case a.err != nil && stored[key]:
			phantoms = append(phantoms, key)
		}
	}
	return lost, phantoms
}

func (l *ledger) namespaces() []string {
	seen := map[string]bool{}
	for _, a := range l.all() {
		seen[a.fixture.ns] = true
	}
	out := make([]string, 0, len(seen))
	for ns := range seen {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

// tally counts outcomes per namespace kind for the report.
type tally map[nsKind]*struct{ attempted, refused, admitted int }

// tallyOf counts the attempts keep selects.
func tallyOf(attempts []attempt, keep func(attempt) bool) tally {
	out := tally{}
	for _, a := range attempts {
		if keep(a) {
			out.add(a)
		}
	}
	return out
}

func (t tally) add(a attempt) {
	c := t[a.fixture.kind]
	if c == nil {
		c = &struct{ attempted, refused, admitted int }{}
		t[a.fixture.kind] = c
	}
	c.attempted++
	if a.err != nil {
		c.refused++
	} else {
		c.admitted++
	}
}

func (t tally) String() string {
	var parts []string
	for _, k := range []nsKind{bindingNS, recordingNS, plainNS} {
		if c := t[k]; c != nil {
			parts = append(parts, fmt.Sprintf("%s: %d attempted, %d refused, %d admitted", k, c.attempted, c.refused, c.admitted))
		}
	}
	return strings.Join(parts, "; ")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
