package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/securityprofiles/operator/daemon/seccomp"
	"github.com/securityprofiles/operator/internal/metricsserving"
	"github.com/securityprofiles/operator/internal/profiling"
)

// The environment the spod controller sets on the daemon containers
// (controllers/spod, which names them too). Switches are environment
// variables so an older daemon image ignores a switch it does not know.
const (
	envNodeName           = "NODE_NAME"
	envOperatorNamespace  = "OPERATOR_NAMESPACE"
	envKubeletDir         = "KUBELET_DIR"
	envMemoryOptimization = "ENABLE_MEMORY_OPTIMIZATION"
	envRecording          = "ENABLE_RECORDING"
	envAppArmor           = "ENABLE_APPARMOR"
	envSelinux            = "ENABLE_SELINUX"
	// envRestrictToNamespace is the namespaced install's one namespace
	// (config/namespaced); the manager reads the same variable.
	envRestrictToNamespace = "RESTRICT_TO_NAMESPACE"
)

// Modes the daemon image is started in by its first argument; no argument
// is the profile installer.
const (
	modeLogEnricher = "log-enricher"
	modeBpfRecorder = "bpf-recorder"
	// modeSelinuxProbe is the spod pod's init container with SELinux on:
	// it reports whether the node's kernel runs SELinux and exits.
	modeSelinuxProbe = "selinux-probe"
)

// options are the daemon's flags and environment.
type options struct {
	// mode is the first argument: empty, log-enricher, bpf-recorder or
	// selinux-probe.
	mode string

	probeAddr, metricsAddr, storageDir, procDir string
	// sidecarMetricsDir holds the recorder containers' metrics sockets.
	sidecarMetricsDir string
	verbosity         int

	nodeName, namespace, kubeletDir string
	// watchNamespace is RESTRICT_TO_NAMESPACE: the one namespace, besides
	// the operator's, whose profiles and recordings this daemon handles;
	// empty for all.
	watchNamespace     string
	memoryOptimization bool
	// recording is --with-recording, or ENABLE_RECORDING when the flag
	// is not given (withRecording nil).
	recording         bool
	withRecording     *bool
	apparmor, selinux bool
	profiling         profiling.Config
}

// parseFlags reads the command line. The mode may come before or after
// the flags: the spod controller starts the recorders as
// `log-enricher --verbosity=1 --host-proc=/host/proc`, and Go's flag
// parsing stops at the first non-flag argument.
func parseFlags(args []string, output io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("daemon", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8085", "Address the health and readiness probes bind to.")
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", "0", "Address the metrics endpoint (/metrics and /metrics-spod, HTTPS with token auth) binds to; 0 disables it.")
	fs.StringVar(&o.storageDir, "profile-storage-dir", seccomp.DefaultStorageDir, "Rootless profile storage linked into the kubelet root.")
	fs.StringVar(&o.procDir, "host-proc", "/proc", "The node's /proc (spod's hostProcVolumePath).")
	fs.StringVar(&o.sidecarMetricsDir, "sidecar-metrics-dir", metricsserving.SidecarDir, "Where a recorder container serves its metrics socket for the daemon container.")
	fs.IntVar(&o.verbosity, "verbosity", 0, "Log verbosity: 0, or 1 for detail (spod's verbosity).")
	withRecording := fs.Bool("with-recording", false, "Enable profile recording support; overrides "+envRecording+".")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		o.mode = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return o, err
		}
		if fs.NArg() > 0 {
			return o, fmt.Errorf("unexpected arguments %q after mode %q", fs.Args(), o.mode)
		}
	}
	if o.verbosity < 0 || o.verbosity > 1 {
		return o, fmt.Errorf("--verbosity=%d: must be 0 or 1", o.verbosity)
	}
	probeSet := false
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "with-recording":
			o.withRecording = withRecording
		case "health-probe-bind-address":
			probeSet = true
		}
	})
	if o.mode != "" && !probeSet {
		// The recorder containers share the pod's network with the daemon
		// container, whose probes own the default port.
		o.probeAddr = "0"
	}
	switch o.mode {
	case "", modeLogEnricher, modeBpfRecorder, modeSelinuxProbe:
	default:
		return o, fmt.Errorf("unknown mode %q: want %s, %s or %s, or none for the profile installer",
			o.mode, modeLogEnricher, modeBpfRecorder, modeSelinuxProbe)
	}
	return o, nil
}

// readEnv fills in what the environment says. Malformed switches are
// errors rather than silently off: a typo in a hand-written DaemonSet
// should not disable a feature without a word.
func (o *options) readEnv(getenv func(string) string) error {
	o.nodeName = getenv(envNodeName)
	o.namespace = getenv(envOperatorNamespace)
	o.kubeletDir = getenv(envKubeletDir)
	var errs []error
	o.watchNamespace = getenv(envRestrictToNamespace)
	if o.watchNamespace != "" {
		// A malformed name would restrict the cache to a namespace that
		// cannot exist: the daemon would install nothing, without a word.
		if msgs := validation.IsDNS1123Label(o.watchNamespace); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("%s=%q: not a namespace name: %s",
				envRestrictToNamespace, o.watchNamespace, strings.Join(msgs, "; ")))
		}
	}
	for _, sw := range []struct {
		name string
		dst  *bool
	}{
		{envMemoryOptimization, &o.memoryOptimization},
		{envAppArmor, &o.apparmor},
		{envSelinux, &o.selinux},
	} {
		v, err := envBool(getenv, sw.name)
		*sw.dst = v
		errs = append(errs, err)
	}
	if o.withRecording != nil {
		o.recording = *o.withRecording
	} else {
		v, err := envBool(getenv, envRecording)
		o.recording = v
		errs = append(errs, err)
	}
	var err error
	o.profiling, err = profiling.FromEnv(getenv)
	return errors.Join(append(errs, err)...)
}

// component names the process in its logs: the mode, or spod.
func (o options) component() string {
	if o.mode != "" {
		return o.mode
	}
	return "spod"
}

func envBool(getenv func(string) string, name string) (bool, error) {
	v := getenv(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: not a boolean", name, v)
	}
	return b, nil
}
