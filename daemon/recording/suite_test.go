//go:build !no_bpf

package recording_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/securityprofiles/operator/controllers/profilerecording"
	"github.com/securityprofiles/operator/daemon/agent"
	"github.com/securityprofiles/operator/daemon/auditmode"
	"github.com/securityprofiles/operator/daemon/enricher"
	"github.com/securityprofiles/operator/daemon/recording"
	"github.com/securityprofiles/operator/internal/seccompfilter"
	"github.com/securityprofiles/operator/recorder"
	"github.com/securityprofiles/operator/test/envtest"
	"github.com/securityprofiles/operator/test/require"
)

// launcherSource installs a log-all seccomp filter (every syscall allowed
// and audited, like the operator's log-all profile) and execs its
// arguments, as runc does for a container recorded with the logs recorder.
// It is C so that nothing runs between the filter and execve: a Go
// runtime's threads may make a syscall or two there.
const launcherSource = `
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct sock_filter insn = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG);
	struct sock_fprog prog = { .len = 1, .filter = &insn };
	if (argc < 2 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return 125;
	execv(argv[1], argv + 1);
	return 127;
}
`

// auditLauncherSource stands for runc starting a container bound in audit
// mode: its filter logs mkdir and mkdirat (what the bound profile would
// block) and allows everything else.
const auditLauncherSource = `
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mkdir, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mkdirat, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG),
	};
	struct sock_fprog prog = { .len = sizeof(insns) / sizeof(insns[0]), .filter = insns };
	if (argc < 2 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return 125;
	execv(argv[1], argv + 1);
	return 127;
}
`

// logLauncher and auditLauncher are the compiled launchers.
var logLauncher, auditLauncher string

const nodeName = "node-rec"

var (
	env    *envtest.Env
	cancel context.CancelFunc
	bpfRec *recording.Reconciler
	logRec *recording.Reconciler
	// logs is logRec's backend, which SELinux specs feed AVC records to.
	logs *recording.LogBackend
)

func TestRecording(t *testing.T) {
	require.Root(t)
	require.BTF(t)
	require.Command(t, "strace")
	require.Command(t, "cc")
	RegisterFailHandler(Fail)
	RunSpecs(t, "Recording suite: real processes, real recorders, real API server")
}

var _ = BeforeSuite(func() {
	// Info, not debug: under a flood of other processes' audit records (a
	// parallel test package) the enricher's per-record debug lines would
	// slow it down more than anything it does.
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true), zap.Level(zapcore.InfoLevel)))
	dir := GinkgoT().TempDir()
	Expect(os.WriteFile(filepath.Join(dir, "launcher.c"), []byte(launcherSource), 0o644)).To(Succeed())
	logLauncher = filepath.Join(dir, "launcher")
	out, err := exec.Command("cc", "-O2", "-o", logLauncher, filepath.Join(dir, "launcher.c")).CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
	Expect(os.WriteFile(filepath.Join(dir, "audit-launcher.c"), []byte(auditLauncherSource), 0o644)).To(Succeed())
	auditLauncher = filepath.Join(dir, "audit-launcher")
	out, err = exec.Command("cc", "-O2", "-o", auditLauncher, filepath.Join(dir, "audit-launcher.c")).CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))

	env, err = envtest.Start()
	Expect(err).NotTo(HaveOccurred())
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	Expect(env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: nodeName}})).To(Succeed())

	opts := env.ManagerOptions()
	opts.Cache = agent.CacheOptions(nodeName)
	mgr, err := ctrl.NewManager(env.Config, opts)
	Expect(err).NotTo(HaveOccurred())
	arch, err := seccompfilter.NativeArch()
	Expect(err).NotTo(HaveOccurred())

	rec, err := recorder.Load()
	Expect(err).NotTo(HaveOccurred())
	containers, err := rec.CaptureContainers("/proc", nil)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = containers.Close(); _ = rec.Close() })
	bpfRec = &recording.Reconciler{Client: mgr.GetClient(), Events: mgr.GetEventRecorder("bpf-recorder"), NodeName: nodeName,
		Recorder: "bpf", Backend: &recording.BPFBackend{Containers: containers, Arch: arch}, Arch: arch, BaseProfile: "runc-v1.1.4"}
	Expect(bpfRec.SetupWithManager(ctx, mgr)).To(Succeed())

	logs = &recording.LogBackend{}
	logRec = &recording.Reconciler{Client: mgr.GetClient(), Events: mgr.GetEventRecorder("log-enricher"), NodeName: nodeName,
		Recorder: "logs", Backend: logs, Arch: arch, BaseProfile: "runc-v1.1.4"}
	Expect(logRec.SetupWithManager(ctx, mgr)).To(Succeed())
	audits := &auditmode.Collector{Reader: mgr.GetAPIReader(), Client: mgr.GetClient(), Events: mgr.GetEventRecorder("log-enricher"),
		NodeName: nodeName, Interval: 300 * time.Millisecond, Resolve: recording.AuditResolver(logRec.Directory)}
	Expect(mgr.Add(manager.RunnableFunc(audits.Run))).To(Succeed())
	sink := recording.Sink{Backend: logs, Directory: logRec.Directory, Audits: audits}
	e, err := enricher.New(nodeName, "/proc", recording.Resolver{Directory: logRec.Directory}, sink, ctrl.Log.WithName("enricher"))
	Expect(err).NotTo(HaveOccurred())
	src, err := enricher.OpenSource(ctx, ctrl.Log, enricher.Options{AuditLog: "/nonexistent", Syslog: "/nonexistent"})
	Expect(err).NotTo(HaveOccurred())
	Expect(src.Name()).To(ContainSubstring("netlink"))
	Expect(mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		defer src.Close()
		return e.Run(ctx, src)
	}))).To(Succeed())

	// The manager's side: merging partial profiles when a recording goes.
	merger := &profilerecording.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
		Events: mgr.GetEventRecorder("profilerecording-controller"), OperatorNamespace: "security-profiles-operator"}
	Expect(merger.SetupWithManager(mgr)).To(Succeed())

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
