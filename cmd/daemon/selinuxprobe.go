package main

import (
	"fmt"
	"io"
	"os"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/daemon/selinux"
)

// terminationLog is where the kubelet reads a container's termination
// message from (the container's default terminationMessagePath).
const terminationLog = "/dev/termination-log"

// runSelinuxProbe writes whether the kernel runs SELinux, as the value of
// spodv1alpha1.SelinuxNodeLabel, to the termination message, where the
// manager reads it to label the node, and returns the exit code. A probe
// that cannot tell fails: the pod retries it rather than mislabel the node.
func runSelinuxProbe(procDir, messagePath string, stdout, stderr io.Writer) int {
	enabled, err := selinux.KernelEnabled(procDir)
	if err != nil {
		fmt.Fprintf(stderr, "selinux-probe: %v\n", err)
		return 1
	}
	verdict := spodv1alpha1.SelinuxUnsupported
	if enabled {
		verdict = spodv1alpha1.SelinuxSupported
	}
	if err := os.WriteFile(messagePath, []byte(verdict), 0o644); err != nil {
		fmt.Fprintf(stderr, "selinux-probe: write the termination message: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "SELinux on this node's kernel: %s\n", verdict)
	return 0
}
