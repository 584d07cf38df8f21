package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// The API writes are counted where they are made, from the client
// metrics: a watch would miss events whenever the API server drops a slow
// watcher, which it does under exactly the load measured here.

// metricSum adds the samples of a counter in controller-runtime's registry
// whose labels match.
func metricSum(name string, match func(labels map[string]string) bool) float64 {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return 0
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if match(labels) {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// statusWrites counts the node-status writes of every daemon in this
// process.
func statusWrites() float64 {
	return metricSum("security_profiles_operator_node_status_writes_total", func(map[string]string) bool { return true })
}

// clientWrites counts this process's API requests that write.
func clientWrites() float64 {
	return metricSum("rest_client_requests_total", func(l map[string]string) bool {
		switch l["method"] {
		case "POST", "PUT", "PATCH", "DELETE":
			return true
		}
		return false
	})
}

// reportWritesOnSignal makes the manager child print its write count on
// stdout at each SIGUSR1.
func reportWritesOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	go func() {
		for range ch {
			// Failed passes and writes refused for a conflict (after
			// which the newer version's pass decides).
			errs := metricSum("controller_runtime_reconcile_total", func(l map[string]string) bool {
				return l["result"] == "error"
			}) + metricSum("rest_client_requests_total", func(l map[string]string) bool {
				return l["code"] == "409"
			})
			fmt.Printf("%.0f %.0f\n", clientWrites(), errs)
		}
	}()
}

// managerWrites asks the manager child for its write count.
type managerWrites struct {
	pid  int
	line *bufio.Reader
}

// count returns the manager's writes and failed reconciles so far.
func (m managerWrites) count() (writes, failed float64, err error) {
	if err := syscall.Kill(m.pid, syscall.SIGUSR1); err != nil {
		return 0, 0, err
	}
	s, err := m.line.ReadString('\n')
	if err != nil && err != io.EOF {
		return 0, 0, err
	}
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return 0, 0, fmt.Errorf("manager said %q", s)
	}
	if writes, err = strconv.ParseFloat(fields[0], 64); err != nil {
		return 0, 0, err
	}
	failed, err = strconv.ParseFloat(fields[1], 64)
	return writes, failed, err
}
