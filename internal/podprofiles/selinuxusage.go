package podprofiles

import (
	"strings"

	"k8s.io/apimachinery/pkg/types"
)

// selinuxUsageSuffix ends the SELinux type of every operator policy: the
// policy is a CIL block "<name>_<namespace>" whose process type is
// "process".
const selinuxUsageSuffix = ".process"

// SelinuxUsage is the SELinux type a pod uses to run under the
// SelinuxProfile or RawSelinuxProfile namespace/name: its status.usage.
func SelinuxUsage(namespace, name string) string {
	return name + "_" + namespace + selinuxUsageSuffix
}

// ParseSelinuxUsage reverses SelinuxUsage: it names the profile behind an
// SELinux type, and reports false for types that cannot be an operator
// policy's (spc_t, container_t, …). Neither object names nor namespaces
// may contain "_", so exactly one separates them.
func ParseSelinuxUsage(t string) (types.NamespacedName, bool) {
	block, ok := strings.CutSuffix(t, selinuxUsageSuffix)
	if !ok || strings.Count(block, "_") != 1 {
		return types.NamespacedName{}, false
	}
	name, ns, _ := strings.Cut(block, "_")
	if name == "" || ns == "" {
		return types.NamespacedName{}, false
	}
	return types.NamespacedName{Namespace: ns, Name: name}, true
}
