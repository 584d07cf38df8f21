package metricsserving_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/securityprofiles/operator/daemon/seccomp"
	"github.com/securityprofiles/operator/internal/metricsserving"
	"github.com/securityprofiles/operator/test/envtest"
)

const operatorNamespace = "security-profiles-operator"

// TestDaemonMetricsNeedAnAuthorizedToken serves the daemon's metrics as
// the DaemonSet does and scrapes them like the manual: without a token,
// with a token of an unbound service account, and with the operator
// namespace's default service account bound to spo-metrics-client.
func TestDaemonMetricsNeedAnAuthorizedToken(t *testing.T) {
	g := NewWithT(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bound, stranger := tokens(g)

	addr := freeAddr(g)
	seccomp.RegisterMetrics()
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme: env.Scheme, Metrics: metricsserving.DaemonOptions(addr, ""), HealthProbeBindAddress: "0",
	})
	g.Expect(err).NotTo(HaveOccurred())
	go func() { _ = mgr.Start(ctx) }()

	url := "https://" + addr + metricsserving.DaemonPath
	g.Eventually(func() int { code, _ := scrape(url, ""); return code }, 30*time.Second, 200*time.Millisecond).
		Should(Equal(http.StatusUnauthorized))
	code, _ := scrape(url, stranger)
	g.Expect(code).To(Equal(http.StatusForbidden))
	code, body := scrape(url, bound)
	g.Expect(code).To(Equal(http.StatusOK))
	g.Expect(body).To(ContainSubstring(`security_profiles_operator_seccomp_profile_total{operation="update"}`))
	g.Expect(body).To(ContainSubstring(`security_profiles_operator_seccomp_profile_error_total{reason="SeccompNotSupportedOnNode"}`))
	code, body = scrape("https://"+addr+"/metrics", bound)
	g.Expect(code).To(Equal(http.StatusOK))
	g.Expect(body).To(ContainSubstring("security_profiles_operator_seccomp_profile_total"))
}

// env is the API server every test of the package shares.
var env *envtest.Env

func TestMain(m *testing.M) {
	var err error
	if env, err = envtest.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

var (
	setUp           sync.Once
	bound, stranger string
)

// tokens returns, made once, a token of the operator namespace's default
// service account, bound to spo-metrics-client as the manual binds it,
// and one of a service account bound to nothing.
func tokens(g *WithT) (string, string) {
	setUp.Do(func() {
		ctx := context.Background()
		g.Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}})).To(Succeed())
		applyFile(ctx, g, filepath.Join(envtest.RepoRoot(), "config", "rbac", "metrics_client.yaml"))
		clientset := kubernetes.NewForConfigOrDie(env.Config)
		bound = token(ctx, g, clientset, "default")
		stranger = token(ctx, g, clientset, "stranger")
	})
	g.Expect(bound).NotTo(BeEmpty(), "the tokens were not made")
	return bound, stranger
}

func applyFile(ctx context.Context, g *WithT, path string) {
	f, err := os.Open(path)
	g.Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	for {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); err == io.EOF {
			return
		} else {
			g.Expect(err).NotTo(HaveOccurred())
		}
		g.Expect(env.Client.Create(ctx, obj)).To(Succeed())
	}
}

// token creates a service account in the operator namespace and returns
// a bound token for it, as the kubelet would mount.
func token(ctx context.Context, g *WithT, c kubernetes.Interface, name string) string {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: operatorNamespace}}
	_, err := c.CoreV1().ServiceAccounts(operatorNamespace).Create(ctx, sa, metav1.CreateOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	tr, err := c.CoreV1().ServiceAccounts(operatorNamespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	return tr.Status.Token
}

func freeAddr(g *WithT) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	g.Expect(err).NotTo(HaveOccurred())
	defer l.Close()
	return l.Addr().String()
}

// scrape GETs url with an optional bearer token; the serving certificate
// is self-signed, as `curl -k` in the manual accepts.
func scrape(url, bearer string) (int, string) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // self-signed test server
	}}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
