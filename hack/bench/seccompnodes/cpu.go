package main

import (
	"fmt"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/securityprofiles/operator/hack/bench/proccpu"
)

// childCPU returns the CPU seconds used so far by each of this process's
// children, by command name.
func childCPU() map[string]float64 { return proccpu.Children() }

// cpuSince formats the CPU each child process (API server, etcd, the
// manager) used since before.
func cpuSince(before map[string]float64) string {
	now := childCPU()
	names := make([]string, 0, len(now))
	for name := range now {
		names = append(names, name)
	}
	sort.Strings(names)
	var parts []string
	for _, name := range names {
		parts = append(parts, fmt.Sprintf("%s %.1f s", name, now[name]-before[name]))
	}
	return strings.Join(parts, ", ")
}

// selfCPU is this process's CPU seconds so far.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
