package profiling

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestFromEnv(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr bool
	}{
		{name: "unset", env: nil, want: Config{Port: DefaultPort}},
		{name: "enabled default port", env: map[string]string{EnvEnabled: "true"}, want: Config{Enabled: true, Port: 6060}},
		{name: "enabled recorder port", env: map[string]string{EnvEnabled: "true", EnvPort: "6062"}, want: Config{Enabled: true, Port: 6062}},
		{name: "disabled", env: map[string]string{EnvEnabled: "false", EnvPort: "6061"}, want: Config{Port: 6061}},
		{name: "bad switch", env: map[string]string{EnvEnabled: "yes please"}, wantErr: true},
		{name: "bad port", env: map[string]string{EnvEnabled: "true", EnvPort: "70000"}, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := FromEnv(env(c.env))
			if c.wantErr {
				g.Expect(err).To(HaveOccurred())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(c.want))
		})
	}
}

func TestStartServesPprof(t *testing.T) {
	g := NewWithT(t)
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := Start(ctx, logr.Discard(), "127.0.0.1:0")
	g.Expect(err).NotTo(HaveOccurred())

	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/goroutine?debug=1"} {
		resp, err := http.Get("http://" + addr.String() + path)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(resp.Body.Close()).To(Succeed())
		g.Expect(resp.StatusCode).To(Equal(http.StatusOK), path)
	}

	cancel()
	g.Eventually(func() error {
		c, err := net.Dial("tcp", addr.String())
		if err == nil {
			c.Close()
		}
		return err
	}).WithTimeout(5*time.Second).Should(HaveOccurred(), "server stops with its context")
}

func TestStartFromEnvDisabledListensNowhere(t *testing.T) {
	g := NewWithT(t)
	port := freePort(g)
	g.Expect(StartFromEnv(t.Context(), logr.Discard(), env(map[string]string{EnvPort: strconv.Itoa(port)}))).To(Succeed())
	_, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	g.Expect(err).To(HaveOccurred())
}

func TestStartReportsPortInUse(t *testing.T) {
	g := NewWithT(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	g.Expect(err).NotTo(HaveOccurred())
	defer ln.Close()
	_, err = Start(t.Context(), logr.Discard(), ln.Addr().String())
	g.Expect(err).To(MatchError(ContainSubstring("listen for profiling")))
}

func freePort(g Gomega) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	g.Expect(err).NotTo(HaveOccurred())
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestAddrIsLoopback: pprof exposes heap contents and lets a caller burn
// CPU, so it listens on the pod's (or, with hostNetwork, the node's)
// loopback only, reached with kubectl port-forward.
func TestAddrIsLoopback(t *testing.T) {
	g := NewWithT(t)
	host, port, err := net.SplitHostPort(Config{Enabled: true, Port: 6061}.Addr())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(port).To(Equal("6061"))
	ip := net.ParseIP(host)
	g.Expect(ip).NotTo(BeNil(), "host %q is not an IP address", host)
	g.Expect(ip.IsLoopback()).To(BeTrue(), "host %q is not loopback", host)
}
