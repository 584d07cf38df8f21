// Command recorder measures what the eBPF recorder's container capture
// costs a workload: a getpid loop with no recorder loaded, with the
// recorder attached but capturing nothing, recorded as a container, and on
// the host (not recorded) while capture is on. Rounds alternate the three so the machine's drift hits them
// alike; it prints medians and ratios, never a verdict. Needs root and BTF.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/securityprofiles/operator/recorder"
)

func main() {
	loop := flag.String("loop", "", "the getpid loop program")
	rounds := flag.Int("rounds", 7, "rounds of each case")
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

	var bare, idle, recorded, host []time.Duration
	for range *rounds {
		bare = append(bare, run(*loop, nil))
		r, err := recorder.Load()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		idle = append(idle, run(*loop, nil))
		c, err := r.CaptureContainers("/proc", nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		recorded = append(recorded, run(*loop, cg))
		host = append(host, run(*loop, nil))
		_ = c.Close()
		_ = r.Close()
	}
	mb, mi, mr, mh := median(bare), median(idle), median(recorded), median(host)
	fmt.Printf("getpid loop, median of %d rounds: no recorder %v, recorder attached but idle %v, recorded container %v, host process while capturing %v\n",
		*rounds, mb.Round(time.Millisecond), mi.Round(time.Millisecond), mr.Round(time.Millisecond), mh.Round(time.Millisecond))
	fmt.Printf("recorded/unrecorded %.2fx (target <= 1.2x), unrecorded process while recording %.2fx (target <= 1.1x), attached but idle %.2fx (the syscall tracepoint alone)\n",
		float64(mr)/float64(mb), float64(mh)/float64(mb), float64(mi)/float64(mb))
}

// run times the loop, in a new mount namespace inside cgroup when given
// (a container as the recorder sees one), else as a plain host process.
func run(loop string, cgroup *os.File) time.Duration {
	cmd := exec.Command(loop)
	if cgroup != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS, UseCgroupFD: true, CgroupFD: int(cgroup.Fd())}
	}
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return time.Since(start)
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

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
