package localcluster

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Bridge is the host bridge the cluster's CNI creates.
const Bridge = "spo0"

// Sysctls are the host settings the kubelet, the CNI and kube-proxy change
// and `down` restores.
var Sysctls = []string{
	"vm.overcommit_memory", "kernel.panic", "kernel.panic_on_oops", "net.ipv4.ip_forward",
	"net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables", "net.ipv4.conf.all.route_localnet",
}

// HostState is what a cluster changes on the host, captured before up.
type HostState struct {
	Sysctls map[string]string
	Netns   []string
}

// CaptureHost records the host state a later Leftovers compares against.
func CaptureHost() HostState {
	s := HostState{Sysctls: map[string]string{}}
	for _, k := range Sysctls {
		if v, err := os.ReadFile(filepath.Join("/proc/sys", strings.ReplaceAll(k, ".", "/"))); err == nil {
			s.Sysctls[k] = strings.TrimSpace(string(v))
		}
	}
	s.Netns = cniNetns()
	return s
}

func cniNetns() []string {
	entries, _ := os.ReadDir("/run/netns")
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "cni-") {
			names = append(names, e.Name())
		}
	}
	return names
}

// Leftovers lists what a cluster brought down in state left on the host:
// processes, mounts, network devices and namespaces, iptables chains,
// cgroups, changed sysctls and the lock-holder process. Empty means clean.
// Call it while holding the lock (between Down and Release), or another
// cluster starting meanwhile shows up as leftovers.
func Leftovers(state string, before HostState) []string {
	var left []string
	prefix := filepath.Clean(state) + "/"
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(prefix)) {
			left = append(left, fmt.Sprintf("process %s: %s", filepath.Base(filepath.Dir(p)), bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
		}
	}
	if mi, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		for _, line := range strings.Split(string(mi), "\n") {
			if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4]+"/", prefix) {
				left = append(left, "mount "+f[4])
			}
		}
	}
	if _, err := net.InterfaceByName(Bridge); err == nil {
		left = append(left, "bridge "+Bridge)
	}
	for _, ns := range cniNetns() {
		if !slices.Contains(before.Netns, ns) {
			left = append(left, "netns /run/netns/"+ns)
		}
	}
	for _, tool := range []string{"iptables-save", "ip6tables-save"} {
		out, err := exec.Command(tool).Output()
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "KUBE-") {
				left = append(left, tool+": "+line)
			}
		}
	}
	links, _ := filepath.Glob("/var/log/containers/*")
	for _, l := range links {
		if target, err := os.Readlink(l); err == nil && strings.HasPrefix(target, prefix) {
			left = append(left, "log link "+l)
		}
	}
	if _, err := os.Stat("/var/lib/kubelet/device-plugins/kubelet.sock"); err == nil {
		left = append(left, "kubelet device-plugin socket")
	}
	cgroups, _ := filepath.Glob("/sys/fs/cgroup/*/kubepods")
	if _, err := os.Stat("/sys/fs/cgroup/kubepods"); err == nil {
		cgroups = append(cgroups, "/sys/fs/cgroup/kubepods")
	}
	for _, cg := range cgroups {
		left = append(left, "cgroup "+cg)
	}
	after := CaptureHost()
	for k, v := range before.Sysctls {
		if after.Sysctls[k] != v {
			left = append(left, fmt.Sprintf("sysctl %s = %s, was %s", k, after.Sysctls[k], v))
		}
	}
	if pid, err := os.ReadFile(filepath.Join(state, "run", "lock-holder.pid")); err == nil {
		left = append(left, "lock holder "+strings.TrimSpace(string(pid))+" (run/lock-holder.pid)")
	}
	return left
}
