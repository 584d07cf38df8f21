// Package proccpu reads the CPU time of a benchmark's child processes
// (the API server, etcd, a manager) from /proc.
package proccpu

import (
	"os"
	"strconv"
	"strings"
)

// Children returns the CPU seconds (user + system) used so far by each of
// this process's children, by command name.
func Children() map[string]float64 {
	out := map[string]float64{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ... utime stime: fields 14 and 15.
		s := string(data)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < 0 {
			continue
		}
		comm, rest := s[open+1:end], strings.Fields(s[end+1:])
		if len(rest) < 13 || rest[1] != self {
			continue
		}
		utime, _ := strconv.ParseFloat(rest[11], 64)
		stime, _ := strconv.ParseFloat(rest[12], 64)
		out[comm] += (utime + stime) / 100 // clock ticks
	}
	return out
}
