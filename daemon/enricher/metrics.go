package enricher

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// The enricher's counters, served from controller-runtime's registry.
var (
	seccompAudits = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_seccomp_profile_audit_total",
		Help: "Seccomp audit records the log enricher attributed to a container.",
	}, []string{"node", "namespace", "pod", "container", "executable", "syscall"})
	selinuxAudits = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_selinux_profile_audit_total",
		Help: "SELinux AVC records the log enricher attributed to a container.",
	}, []string{"node", "namespace", "pod", "container", "executable", "scontext", "tcontext"})
	recordsSkipped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_enricher_records_skipped_total",
		Help: "Audit records the log enricher read but did not attribute to a container, by reason.",
	}, []string{"reason"})
	recordsDropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "security_profiles_operator_enricher_records_dropped_total",
		Help: "Times the kernel dropped audit records before the log enricher read them (netlink receive buffer overflow).",
	})
	registerOnce sync.Once
)

// Reasons of records_skipped_total.
const (
	// ReasonTooLong: the record or line exceeded audit.MaxRecordLength.
	ReasonTooLong = "too_long"
	// ReasonMalformed: a seccomp or AVC record that did not parse.
	ReasonMalformed = "malformed"
	// ReasonProcessGone: the process exited before its record was read.
	ReasonProcessGone = "process_gone"
	// ReasonProcUnreadable: /proc/<pid>/cgroup could not be read.
	ReasonProcUnreadable = "proc_unreadable"
	// ReasonHostProcess: the process runs in no container.
	ReasonHostProcess = "host_process"
	// ReasonUnknownContainer: the Resolver knows no pod for the container.
	ReasonUnknownContainer = "unknown_container"
)

// unknownSyscall is the syscall label of a number nobody could name; the
// number itself is not a label, as any process can pick any number.
const unknownSyscall = "unknown"

// otherLabel replaces the free-form labels (executable, SELinux
// contexts) once maxSeries label sets exist, so a container cannot grow
// the metrics without bound by running ever new executable paths.
const (
	otherLabel = "<other>"
	maxSeries  = 16 << 10
)

func registerMetrics() {
	registerOnce.Do(func() {
		metrics.Registry.MustRegister(seccompAudits, selinuxAudits, recordsSkipped, recordsDropped)
		for _, r := range []string{ReasonTooLong, ReasonMalformed, ReasonProcessGone,
			ReasonProcUnreadable, ReasonHostProcess, ReasonUnknownContainer} {
			recordsSkipped.WithLabelValues(r)
		}
	})
}

type seccompSeries struct {
	namespace, pod, container, executable, syscall string
}

type selinuxSeries struct {
	namespace, pod, container, executable, scontext, tcontext string
}

// counters caches one metric's counters by label set, which also spares
// the vector's hashing of the labels on every record. Past max label sets
// a new one is folded (its free-form labels become otherLabel) and the
// folded counter is used uncached. Not safe for concurrent use.
type counters[K comparable] struct {
	max    int
	m      map[K]prometheus.Counter
	fold   func(K) K
	create func(K) prometheus.Counter
}

func (c *counters[K]) get(k K) prometheus.Counter {
	if ctr, ok := c.m[k]; ok {
		return ctr
	}
	if len(c.m) >= c.max {
		k = c.fold(k)
		if ctr, ok := c.m[k]; ok {
			return ctr
		}
		return c.create(k)
	}
	ctr := c.create(k)
	c.m[k] = ctr
	return ctr
}

func newSeccompCounters(node string, max int) *counters[seccompSeries] {
	return &counters[seccompSeries]{
		max: max,
		m:   make(map[seccompSeries]prometheus.Counter),
		fold: func(k seccompSeries) seccompSeries {
			k.executable = otherLabel
			return k
		},
		create: func(k seccompSeries) prometheus.Counter {
			return seccompAudits.WithLabelValues(node, k.namespace, k.pod, k.container, k.executable, k.syscall)
		},
	}
}

func newSelinuxCounters(node string, max int) *counters[selinuxSeries] {
	return &counters[selinuxSeries]{
		max: max,
		m:   make(map[selinuxSeries]prometheus.Counter),
		fold: func(k selinuxSeries) selinuxSeries {
			k.executable, k.scontext, k.tcontext = otherLabel, otherLabel, otherLabel
			return k
		},
		create: func(k selinuxSeries) prometheus.Counter {
			return selinuxAudits.WithLabelValues(node, k.namespace, k.pod, k.container, k.executable, k.scontext, k.tcontext)
		},
	}
}
