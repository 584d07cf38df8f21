// Command recorder measures what the eBPF recorder's container capture
// costs a workload: a getpid loop with no recorder loaded, with the
// recorder attached but capturing nothing, recorded as a container, and on
// the host (not recorded) while capture is on. Each round runs all four
// back to back, so the machine's drift hits them alike; it prints the
// median of the per-round ratios (hack/bench/abratio), never a verdict.
// Needs root and BTF.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/securityprofiles/operator/hack/bench/abratio"
	"github.com/securityprofiles/operator/recorder"
)

func main() {
	loop := flag.String("loop", "", "the getpid loop program")
	rounds := flag.Int("rounds", 9, "rounds of each case")
	flag.Parse()
	if *loop == "" {
		fmt.Fprintln(os.Stderr, "usage: recorder -loop PROGRAM")
		os.Exit(2)
	}
	cg, cleanup, err := containerCgroup()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer cleanup()

	var bare, idle, recorded, host timings
	for range *rounds {
		bare.run(*loop, nil)
		r, err := recorder.Load()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		idle.run(*loop, nil)
		c, err := r.CaptureContainers("/proc", nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		recorded.run(*loop, cg)
		host.run(*loop, nil)
		_ = c.Close()
		_ = r.Close()
	}
	fmt.Printf("getpid loop, %d alternating rounds, each ratio against the same round's run with no recorder loaded\n", *rounds)
	// CPU time (user+sys of the loop) is what the syscall path costs the
	// task itself; unlike wall time it does not grow when other jobs on the
	// machine preempt the loop.
	report("wall", bare.wall, idle.wall, recorded.wall, host.wall)
	report("CPU", bare.cpu, idle.cpu, recorded.cpu, host.cpu)
}

// report prints each case against the round's run with no recorder.
func report(kind string, bare, idle, recorded, host []time.Duration) {
	fmt.Println(abratio.Line("recorded as a container (target ≤ 1.2×), "+kind, "no recorder", "recorded", bare, recorded))
	fmt.Println(abratio.Line("host process, not recorded, while capturing (target ≤ 1.1×), "+kind, "no recorder", "capturing", bare, host))
	fmt.Println(abratio.Line("recorder attached, capturing nothing (the syscall tracepoint alone), "+kind, "no recorder", "attached", bare, idle))
}

// timings holds one case's wall and CPU (user+sys) time, a round each.
type timings struct{ wall, cpu []time.Duration }

// run times the loop, in a new mount namespace inside cgroup when given
// (a container as the recorder sees one), else as a plain host process.
func (t *timings) run(loop string, cgroup *os.File) {
	cmd := exec.Command(loop)
	if cgroup != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS, UseCgroupFD: true, CgroupFD: int(cgroup.Fd())}
	}
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	t.wall = append(t.wall, time.Since(start))
	t.cpu = append(t.cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
}

// containerCgroup makes a cgroup v2 directory named like a container.
func containerCgroup() (*os.File, func(), error) {
	root := "/sys/fs/cgroup/unified"
	if _, err := os.Stat(filepath.Join(root, "cgroup.controllers")); err != nil {
		root = "/sys/fs/cgroup"
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	dir := filepath.Join(root, "spo-bench", hex.EncodeToString(raw))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close(); _ = os.Remove(dir); _ = os.Remove(filepath.Dir(dir)) }, nil
}
