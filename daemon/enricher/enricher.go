package enricher

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-logr/logr"

	"github.com/securityprofiles/operator/internal/audit"
)

// Container is a container of a pod on this node.
type Container struct {
	Namespace string
	Pod       string
	// Name is the container's name in the pod spec.
	Name string
	// ID is the runtime's 64-hex-digit container ID.
	ID string
}

// Resolver finds the pod container with a runtime container ID. The
// daemon implements it with its pod cache.
type Resolver interface {
	Container(containerID string) (Container, bool)
}

// Sink receives every record attributed to a container, with the
// syscall's name for seccomp records ("" if unknown), and the records of
// containers no pod claims yet, with only c.ID set. It is called inline
// from Run, so it must return quickly, and it may keep r.
type Sink interface {
	Audit(c Container, r audit.Record, syscallName string)
}

// Enricher attributes audit records to pod containers and reports them.
// Run must not be called concurrently.
type Enricher struct {
	node     string
	resolver Resolver
	sink     Sink
	log      logr.Logger
	now      func() time.Time

	cgroups *cgroupReader
	pids    *pidCache
	names   *nameCache
	seccomp *counters[seccompSeries]
	selinux *counters[selinuxSeries]
}

// New returns an Enricher for node that reads /proc/<pid>/cgroup under
// procDir (the host's /proc) and asks resolver for pods. sink may be nil.
func New(node, procDir string, resolver Resolver, sink Sink, log logr.Logger) (*Enricher, error) {
	if node == "" {
		return nil, errors.New("log enricher needs the node name")
	}
	if resolver == nil {
		return nil, errors.New("log enricher needs a container resolver")
	}
	registerMetrics()
	return &Enricher{
		node:     node,
		resolver: resolver,
		sink:     sink,
		log:      log,
		now:      time.Now,
		cgroups:  &cgroupReader{dir: procDir},
		pids:     newPIDCache(pidCacheSize, pidCacheTTL),
		names:    newNameCache(nameCacheSize),
		seccomp:  newSeccompCounters(node, maxSeries),
		selinux:  newSelinuxCounters(node, maxSeries),
	}, nil
}

// Run reads records from src until ctx is done (then it returns nil) or
// src fails. It does not close src.
func (e *Enricher) Run(ctx context.Context, src Source) error {
	e.log.Info("Reading audit records", "source", src.Name())
	for {
		msgType, text, err := src.Next(ctx)
		switch {
		case err == nil:
			e.handle(msgType, text)
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, ErrDropped):
			recordsDropped.Inc()
			e.log.V(1).Info("Kernel dropped audit records", "source", src.Name())
		case errors.Is(err, audit.ErrTooLong):
			recordsSkipped.WithLabelValues(ReasonTooLong).Inc()
		case errors.Is(err, audit.ErrMalformed):
			recordsSkipped.WithLabelValues(ReasonMalformed).Inc()
		default:
			return fmt.Errorf("read audit records from %s: %w", src.Name(), err)
		}
	}
}

// handle processes one raw record.
func (e *Enricher) handle(msgType uint16, text []byte) {
	var r audit.Record
	var err error
	if msgType != 0 {
		r, err = audit.ParseNetlink(msgType, text)
	} else {
		r, err = audit.ParseLine(string(text))
	}
	switch {
	case errors.Is(err, audit.ErrNotAudit):
		return
	case errors.Is(err, audit.ErrTooLong):
		recordsSkipped.WithLabelValues(ReasonTooLong).Inc()
		return
	case err != nil:
		recordsSkipped.WithLabelValues(ReasonMalformed).Inc()
		return
	}
	c, ok := e.attribute(r)
	if !ok {
		// A container's first records come before the kubelet reports
		// its ID: the sink still gets them by ID, so a recording keeps
		// the container's early syscalls and denials (a permissive
		// domain logs each denial once); logs and metrics need the pod.
		if c.ID != "" && e.sink != nil {
			var syscallName string
			if r.Kind == audit.KindSeccomp {
				syscallName = e.names.name(r.Arch, r.SyscallID)
			}
			e.sink.Audit(c, r, syscallName)
		}
		return
	}
	var syscallName string
	switch r.Kind {
	case audit.KindSeccomp:
		syscallName = e.names.name(r.Arch, r.SyscallID)
		e.reportSeccomp(c, r, syscallName)
	case audit.KindSelinux:
		e.reportSelinux(c, r)
	default:
		recordsSkipped.WithLabelValues(ReasonMalformed).Inc()
		return
	}
	if e.sink != nil {
		e.sink.Audit(c, r, syscallName)
	}
}

// attribute finds the pod container of the record's process.
func (e *Enricher) attribute(r audit.Record) (Container, bool) {
	now := e.now()
	id, cached := e.pids.get(r.PID, now)
	if !cached {
		var err error
		id, err = e.cgroups.containerID(r.PID)
		switch {
		case errors.Is(err, errProcessGone):
			e.unattributed(ReasonProcessGone, r, "")
			return Container{}, false
		case err != nil:
			e.unattributed(ReasonProcUnreadable, r, "")
			return Container{}, false
		}
		e.pids.put(r.PID, id, now)
	}
	if id == "" {
		e.unattributed(ReasonHostProcess, r, "")
		return Container{}, false
	}
	c, ok := e.resolver.Container(id)
	if !ok {
		e.unattributed(ReasonUnknownContainer, r, id)
		return Container{ID: id}, false
	}
	return c, true
}

func (e *Enricher) unattributed(reason string, r audit.Record, containerID string) {
	recordsSkipped.WithLabelValues(reason).Inc()
	e.log.V(1).Info("Audit record not attributed to a pod", "reason", reason, "type", string(r.Kind),
		"pid", r.PID, "executable", r.Executable, "containerID", containerID, "timestamp", r.Timestamp)
}

func (e *Enricher) reportSeccomp(c Container, r audit.Record, syscallName string) {
	e.log.Info("audit", "node", e.node, "namespace", c.Namespace, "pod", c.Pod, "container", c.Name,
		"executable", r.Executable, "pid", r.PID, "syscallID", r.SyscallID, "syscallName", syscallName,
		"timestamp", r.Timestamp, "type", string(r.Kind))
	label := syscallName
	if label == "" {
		label = unknownSyscall
	}
	e.seccomp.get(seccompSeries{
		namespace: c.Namespace, pod: c.Pod, container: c.Name,
		executable: labelValue(r.Executable), syscall: label,
	}).Inc()
}

func (e *Enricher) reportSelinux(c Container, r audit.Record) {
	e.log.Info("audit", "node", e.node, "namespace", c.Namespace, "pod", c.Pod, "container", c.Name,
		"executable", r.Executable, "pid", r.PID, "perm", strings.Join(r.Perms, ","),
		"scontext", r.Scontext, "tcontext", r.Tcontext, "tclass", r.Tclass,
		"timestamp", r.Timestamp, "type", string(r.Kind))
	e.selinux.get(selinuxSeries{
		namespace: c.Namespace, pod: c.Pod, container: c.Name, executable: labelValue(r.Executable),
		scontext: labelValue(r.Scontext), tcontext: labelValue(r.Tcontext),
	}).Inc()
}

// labelValue makes a record's text usable as a label value: Prometheus
// refuses (and WithLabelValues panics on) invalid UTF-8, and an exe path
// is any bytes the process chose.
func labelValue(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
