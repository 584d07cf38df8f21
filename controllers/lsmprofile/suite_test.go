package lsmprofile_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/lsmprofile"
	"github.com/securityprofiles/operator/test/envtest"
)

const (
	operatorNamespace = "security-profiles-operator"
	timeout           = 20 * time.Second
)

// nodes exist for the whole suite; no daemon runs on them: specs write the
// node statuses a daemon would.
var nodes = []string{"node-a", "node-b"}

var (
	env    *envtest.Env
	cancel context.CancelFunc
)

func TestLSMProfiles(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "SelinuxProfile, RawSelinuxProfile and AppArmorProfile controllers")
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	var err error
	env, err = envtest.Start()
	Expect(err).NotTo(HaveOccurred())
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}})).To(Succeed())
	// Both node switches on, as on a cluster whose nodes install these
	// kinds; switch_test.go turns them off.
	on := true
	Expect(env.Client.Create(ctx, &spodv1alpha1.SecurityProfilesOperatorDaemon{
		ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: spodv1alpha1.Name},
		Spec:       spodv1alpha1.SPODSpec{EnableSelinux: &on, EnableAppArmor: true}})).To(Succeed())
	for _, n := range nodes {
		Expect(env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n}})).To(Succeed())
	}
	mgr, err := ctrl.NewManager(env.Config, env.ManagerOptions())
	Expect(err).NotTo(HaveOccurred())
	Expect(lsmprofile.SetupWithManager(ctx, mgr, lsmprofile.Config{OperatorNamespace: operatorNamespace})).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})

// newNamespace creates a namespace for one spec; prefix orders namespaces
// where a spec needs it.
func newNamespace(ctx context.Context, prefix string) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix}}
	Expect(env.Client.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// statusOf reads a profile and returns its shared status block.
func statusOf(ctx context.Context, obj client.Object, base func() *profilebasev1alpha1.StatusBase) func(Gomega) *profilebasev1alpha1.StatusBase {
	return func(g Gomega) *profilebasev1alpha1.StatusBase {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
		return base()
	}
}

// haveState matches a status block in the given state with the given
// Ready reason.
func haveState(state profilebasev1alpha1.ProfileState, reason string) OmegaMatcher {
	return And(
		HaveField("Status", state),
		WithTransform(func(s *profilebasev1alpha1.StatusBase) string {
			if c := s.ReadyCondition(); c != nil {
				return c.Reason
			}
			return ""
		}, Equal(reason)))
}

// reportFromNodes records, as every node's daemon would, the nodes' state
// of a profile: an entry with the profile's UID in the node's status of
// the namespace, one object per node, named after it.
func reportFromNodes(ctx context.Context, kind nodestatusv1alpha1.ProfileKind, profile client.Object, state profilebasev1alpha1.ProfileState) {
	Expect(profile.GetUID()).NotTo(BeEmpty(), "report on a created profile")
	entry := nodestatusv1alpha1.ProfileNodeState{Kind: kind, Name: profile.GetName(), UID: profile.GetUID(),
		Status: state, Reason: string(state)}
	for _, n := range nodes {
		s := &nodestatusv1alpha1.SecurityProfileNodeStatus{ObjectMeta: metav1.ObjectMeta{Namespace: profile.GetNamespace(), Name: n}}
		_, err := ctrl.CreateOrUpdate(ctx, env.Client, s, func() error {
			s.NodeName = n
			s.Labels = map[string]string{keys.NodeNameLabel: n}
			states := map[string]nodestatusv1alpha1.ProfileNodeState{}
			for _, e := range s.States() {
				states[string(e.Kind)+"/"+e.Name] = e
			}
			states[string(kind)+"/"+profile.GetName()] = entry
			all := make([]nodestatusv1alpha1.ProfileNodeState, 0, len(states))
			for _, e := range states {
				all = append(all, e)
			}
			s.SetStates(all)
			return nil
		})
		Expect(err).NotTo(HaveOccurred())
	}
}

// warnings returns the reasons of the Warning Events about one object,
// once per time the event was sent: the recorder folds repeats into the
// first event's series.
func warnings(ctx context.Context, namespace, name string) func(Gomega) []string {
	return func(g Gomega) []string {
		list := &eventsv1.EventList{}
		g.Expect(env.Client.List(ctx, list, client.InNamespace(namespace))).To(Succeed())
		var out []string
		for _, e := range list.Items {
			if e.Regarding.Name != name || e.Type != corev1.EventTypeWarning {
				continue
			}
			n := int32(1)
			if e.Series != nil {
				n = e.Series.Count
			}
			for range n {
				out = append(out, e.Reason)
			}
		}
		return out
	}
}

// announcements returns the Normal Events about one object as
// "<reason> <action>: <note>".
func announcements(ctx context.Context, namespace, name string) func(Gomega) []string {
	return func(g Gomega) []string {
		list := &eventsv1.EventList{}
		g.Expect(env.Client.List(ctx, list, client.InNamespace(namespace))).To(Succeed())
		var out []string
		for _, e := range list.Items {
			if e.Regarding.Name == name && e.Type == corev1.EventTypeNormal {
				out = append(out, e.Reason+" "+e.Action+": "+e.Note)
			}
		}
		return out
	}
}
