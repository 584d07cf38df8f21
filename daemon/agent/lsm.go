package agent

import (
	"context"
	"fmt"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/securityprofiles/operator/daemon/apparmor"
	"github.com/securityprofiles/operator/daemon/nodestatus"
	"github.com/securityprofiles/operator/daemon/selinux"
)

// Where the daemon container sees the node's sysfs and securityfs: the
// DaemonSet mounts the host's securityfs only when AppArmor is on.
const (
	sysRoot    = "/sys"
	securityFS = "/sys/kernel/security"
)

// setupLSMs registers the installers of the Linux security modules spod
// enabled. Each probes the node's kernel itself: a node without the
// module reports so on every profile's node status instead of failing.
func setupLSMs(ctx context.Context, log logr.Logger, mgr ctrl.Manager, cfg Config, proc, namespace string, status *nodestatus.Writer) error {
	if cfg.AppArmor {
		aa, err := apparmor.NodeConfig(cfg.NodeName, sysRoot, securityFS)
		if err != nil {
			return fmt.Errorf("probe AppArmor: %w", err)
		}
		log.Info("Loading AppArmor profiles", "kernelHasAppArmor", aa.Enabled)
		aa.Status = status
		if err := apparmor.Setup(mgr, aa); err != nil {
			return err
		}
	}
	if cfg.Selinux {
		enabled, err := selinux.KernelEnabled(proc)
		if err != nil {
			return fmt.Errorf("probe SELinux: %w", err)
		}
		log.Info("Installing SELinux policies through selinuxd", "kernelHasSelinux", enabled)
		if err := selinux.Setup(ctx, mgr, selinux.Config{NodeName: cfg.NodeName,
			OperatorNamespace: namespace, WatchNamespace: cfg.WatchNamespace, Enabled: enabled, Status: status}); err != nil {
			return err
		}
	}
	return nil
}
