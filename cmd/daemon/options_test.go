package main

import (
	"io"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/profiling"
)

func TestParseFlagsMode(t *testing.T) {
	cases := []struct {
		name          string
		args          []string
		wantMode      string
		wantVerbosity int
		wantProc      string
		wantErr       bool
	}{
		{name: "installer", args: []string{"--verbosity=1", "--host-proc=/host/proc"}, wantVerbosity: 1, wantProc: "/host/proc"},
		// How the spod controller starts the recorder containers.
		{name: "mode first", args: []string{"log-enricher", "--verbosity=1", "--host-proc=/host/proc"}, wantMode: "log-enricher", wantVerbosity: 1, wantProc: "/host/proc"},
		{name: "mode last", args: []string{"--verbosity=1", "bpf-recorder"}, wantMode: "bpf-recorder", wantVerbosity: 1, wantProc: "/proc"},
		{name: "extra argument", args: []string{"log-enricher", "more"}, wantErr: true},
		{name: "unknown mode", args: []string{"selinuxd"}, wantErr: true},
		{name: "verbosity out of range", args: []string{"--verbosity=3"}, wantErr: true},
		{name: "unknown flag", args: []string{"--cert-dri=/x"}, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			o, err := parseFlags(c.args, io.Discard)
			if c.wantErr {
				g.Expect(err).To(HaveOccurred())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(o.mode).To(Equal(c.wantMode))
			g.Expect(o.verbosity).To(Equal(c.wantVerbosity))
			g.Expect(o.procDir).To(Equal(c.wantProc))
			// The recorder containers share the pod's network with the
			// daemon container: they bind no probe port unless told to.
			wantProbe := ":8085"
			if c.wantMode != "" {
				wantProbe = "0"
			}
			g.Expect(o.probeAddr).To(Equal(wantProbe))
		})
	}
}

func TestReadEnv(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		want    options
		wantErr bool
	}{
		{name: "nothing set", want: options{namespace: "", profiling: profiling.Config{Port: 6060}}},
		{
			name: "everything the spod controller sets",
			env: map[string]string{
				envNodeName: "node-a", envOperatorNamespace: "spo", envKubeletDir: "/var/lib/k0s/kubelet",
				envMemoryOptimization: "true", envRecording: "true", envAppArmor: "true", envSelinux: "true",
				profiling.EnvEnabled: "true", profiling.EnvPort: "6060",
			},
			want: options{
				nodeName: "node-a", namespace: "spo", kubeletDir: "/var/lib/k0s/kubelet",
				memoryOptimization: true, recording: true, apparmor: true, selinux: true,
				profiling: profiling.Config{Enabled: true, Port: 6060},
			},
		},
		{name: "flag enables recording", args: []string{"--with-recording"}, want: options{recording: true, profiling: profiling.Config{Port: 6060}}},
		{
			name: "flag wins over env", args: []string{"--with-recording=false"},
			env:  map[string]string{envRecording: "true"},
			want: options{profiling: profiling.Config{Port: 6060}},
		},
		{
			name: "flag wins over a malformed env", args: []string{"--with-recording"},
			env:  map[string]string{envRecording: "sure"},
			want: options{recording: true, profiling: profiling.Config{Port: 6060}},
		},
		{
			name: "namespaced install", env: map[string]string{envRestrictToNamespace: "team-a"},
			want: options{watchNamespace: "team-a", profiling: profiling.Config{Port: 6060}},
		},
		{name: "malformed switch", env: map[string]string{envMemoryOptimization: "enabled"}, wantErr: true},
		// A namespace that cannot exist would leave the daemon installing
		// nothing at all.
		{name: "namespace with capitals", env: map[string]string{envRestrictToNamespace: "Team-A"}, wantErr: true},
		{name: "namespace list", env: map[string]string{envRestrictToNamespace: "team-a,team-b"}, wantErr: true},
		{name: "malformed profiling port", env: map[string]string{profiling.EnvEnabled: "true", profiling.EnvPort: "x"}, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			o, err := parseFlags(c.args, io.Discard)
			g.Expect(err).NotTo(HaveOccurred())
			err = o.readEnv(func(k string) string { return c.env[k] })
			if c.wantErr {
				g.Expect(err).To(HaveOccurred())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(o.nodeName).To(Equal(c.want.nodeName))
			g.Expect(o.namespace).To(Equal(c.want.namespace))
			g.Expect(o.watchNamespace).To(Equal(c.want.watchNamespace))
			g.Expect(o.kubeletDir).To(Equal(c.want.kubeletDir))
			g.Expect(o.memoryOptimization).To(Equal(c.want.memoryOptimization))
			g.Expect(o.recording).To(Equal(c.want.recording))
			g.Expect(o.apparmor).To(Equal(c.want.apparmor))
			g.Expect(o.selinux).To(Equal(c.want.selinux))
			g.Expect(o.profiling).To(Equal(c.want.profiling))
		})
	}
}

func TestAgentConfig(t *testing.T) {
	g := NewWithT(t)
	cfg := agentConfig(options{nodeName: "n", memoryOptimization: true, watchNamespace: "team-a"})
	g.Expect(cfg.OperatorNamespace).To(Equal("security-profiles-operator"))
	g.Expect(cfg.MemoryOptimization).To(BeTrue())
	g.Expect(cfg.WatchNamespace).To(Equal("team-a"))
}
