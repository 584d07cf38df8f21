package profilerecording_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/securityprofiles/operator/apis/keys"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/profilerecording"
	"github.com/securityprofiles/operator/controllers/seccompprofile"
	"github.com/securityprofiles/operator/controllers/spod"
	"github.com/securityprofiles/operator/test/envtest"
)

const (
	operatorNamespace = spod.DefaultNamespace
	timeout           = 30 * time.Second
)

var (
	env    *envtest.Env
	cancel context.CancelFunc
)

func TestProfileRecordings(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ProfileRecording controller suite")
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	var err error
	env, err = envtest.Start()
	Expect(err).NotTo(HaveOccurred())
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}})).To(Succeed())
	// The spod the manager creates by default, with the log enricher on.
	Expect(env.Client.Create(ctx, &spodv1alpha1.SecurityProfilesOperatorDaemon{
		ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: spodv1alpha1.Name},
		Spec:       spodv1alpha1.SPODSpec{EnableLogEnricher: true},
	})).To(Succeed())

	// Options as in cmd/manager, without listeners; a reconciler panic
	// fails the suite instead of being logged and retried. The
	// SeccompProfile controller runs too, so partial profiles show the
	// state users see and carry the in-use finalizer they carry there.
	opts := env.ManagerOptions()
	opts.Cache = cache.Options{ByObject: spod.CacheOptions(operatorNamespace)}
	mgr, err := ctrl.NewManager(env.Config, opts)
	Expect(err).NotTo(HaveOccurred())
	Expect((&profilerecording.Reconciler{
		Client:            mgr.GetClient(),
		APIReader:         mgr.GetAPIReader(),
		Events:            mgr.GetEventRecorder("profilerecording-controller"),
		OperatorNamespace: operatorNamespace,
	}).SetupWithManager(mgr)).To(Succeed())
	Expect((&seccompprofile.Reconciler{Client: mgr.GetClient()}).SetupWithManager(ctx, mgr)).To(Succeed())
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

// ctx is a context for API calls made by specs.
func ctx() context.Context { return context.Background() }

// newNamespace creates a namespace for one spec.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "rec-"}}
	Expect(env.Client.Create(ctx(), ns)).To(Succeed())
	return ns.Name
}

// requireProfilesInCRD fails a spec that reads status.profiles when the
// installed CRD predates the field: the API server would prune it and the
// spec would fail for a reason that has nothing to do with the controller.
func requireProfilesInCRD() {
	crd := &unstructured.Unstructured{}
	crd.SetGroupVersionKind(schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"})
	Expect(env.Client.Get(ctx(), client.ObjectKey{Name: "profilerecordings." + keys.Group}, crd)).To(Succeed())
	versions, _, err := unstructured.NestedSlice(crd.Object, "spec", "versions")
	Expect(err).NotTo(HaveOccurred())
	Expect(versions).NotTo(BeEmpty())
	for _, v := range versions {
		_, found, err := unstructured.NestedMap(v.(map[string]any),
			"schema", "openAPIV3Schema", "properties", "status", "properties", "profiles")
		Expect(err).NotTo(HaveOccurred())
		Expect(found).To(BeTrue(), "config/crd/bases has no ProfileRecording status.profiles: run `make manifests`")
	}
}
