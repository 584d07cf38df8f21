package envtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/securityprofiles/operator/internal/scheme"
)

// DefaultK8sVersion is the version hack/k8s-binaries.sh builds by default.
const DefaultK8sVersion = "v1.35.4"

// Env is a running control plane with the CRDs installed.
type Env struct {
	Environment *envtest.Environment
	Config      *rest.Config
	Client      client.Client
	Scheme      *kruntime.Scheme
}

// RepoRoot is the directory holding go.mod, found from this file's path so
// tests work from any package directory. Binaries built with -trimpath
// (the local control plane) have no such path and search upwards from the
// working directory instead.
func RepoRoot() string {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	}
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// AssetsDir is where etcd, kube-apiserver and kubectl live:
// $KUBEBUILDER_ASSETS, or bin/k8s/<version> in the clone.
func AssetsDir() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	v := os.Getenv("K8S_VERSION")
	if v == "" {
		v = DefaultK8sVersion
	}
	return filepath.Join(RepoRoot(), "bin", "k8s", v)
}

// Options configure StartWithOptions.
type Options struct {
	// CRDs are installed next to config/crd/bases (e.g. a foreign kind a
	// test needs).
	CRDs []*apiextensionsv1.CustomResourceDefinition
	// Webhooks, when set, are installed once the API server is up. envtest
	// fills in LocalServingCertDir (a serving certificate for
	// LocalServingHost), LocalServingCAData and, if zero,
	// LocalServingPort; webhooks with a Service client config are pointed
	// at https://LocalServingHost:LocalServingPort/<path>, and every
	// client config gets the CA. The test serves the webhooks itself.
	Webhooks *envtest.WebhookInstallOptions
}

// Start brings up etcd and kube-apiserver and installs config/crd/bases.
// extra CRDs (e.g. a foreign kind a test needs) are installed as well.
func Start(extra ...*apiextensionsv1.CustomResourceDefinition) (*Env, error) {
	return StartWithOptions(Options{CRDs: extra})
}

// StartWithOptions is Start with webhooks or extra CRDs.
func StartWithOptions(o Options) (*Env, error) {
	assets := AssetsDir()
	if _, err := os.Stat(filepath.Join(assets, "kube-apiserver")); err != nil {
		return nil, fmt.Errorf("no kube-apiserver in %s (run `make k8s-binaries`): %w", assets, err)
	}
	s := scheme.New()
	env := &envtest.Environment{
		BinaryAssetsDirectory:    assets,
		CRDDirectoryPaths:        []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		CRDs:                     o.CRDs,
		ErrorIfCRDPathMissing:    true,
		Scheme:                   s,
		ControlPlaneStartTimeout: 90 * time.Second,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	if o.Webhooks != nil {
		env.WebhookInstallOptions = *o.Webhooks
	}
	cfg, err := env.Start()
	if err != nil {
		// Start can fail after etcd and kube-apiserver are up (e.g. a CRD
		// the server refuses); stop them so no process outlives the test.
		return nil, errors.Join(fmt.Errorf("start control plane: %w", err), env.Stop())
	}
	if o.Webhooks != nil {
		// Hand the generated certificate, CA and port back to the caller.
		*o.Webhooks = env.WebhookInstallOptions
	}
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("client: %w", err), env.Stop())
	}
	return &Env{Environment: env, Config: cfg, Client: c, Scheme: s}, nil
}

// Stop shuts the control plane down.
func (e *Env) Stop() error {
	return e.Environment.Stop()
}

// Kubeconfig writes an admin kubeconfig for the control plane to path, so
// kubectl (and humans) can talk to it.
func (e *Env) Kubeconfig(path string) error {
	user, err := e.Environment.AddUser(envtest.User{Name: "spo-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("add admin user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("render kubeconfig: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// Kubectl is the path of the kubectl built next to kube-apiserver.
func Kubectl() string {
	return filepath.Join(AssetsDir(), "kubectl")
}

// ManagerOptions are the options every suite's manager starts from: the
// Env's scheme, no metrics or probe listeners (suites run in parallel),
// and reconciler panics that fail the suite instead of being logged and
// retried. Callers set Cache and anything else they need.
func (e *Env) ManagerOptions() ctrl.Options {
	return ctrl.Options{
		Scheme:                 e.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{RecoverPanic: ptr.To(false), SkipNameValidation: ptr.To(true)},
	}
}
