package recording

import (
	"time"

	"github.com/securityprofiles/operator/daemon/auditmode"
	"github.com/securityprofiles/operator/daemon/enricher"
	"github.com/securityprofiles/operator/internal/audit"
)

// Resolver lets the log enricher name the pods of containers through the
// reconciler's Directory.
type Resolver struct{ Directory *Directory }

// Container implements enricher.Resolver.
func (r Resolver) Container(id string) (enricher.Container, bool) {
	ref, ok := r.Directory.Lookup(id)
	if !ok {
		return enricher.Container{}, false
	}
	return enricher.Container{Namespace: ref.Namespace, Pod: ref.Pod, Name: ref.Container, ID: id}, true
}

// Sink feeds the log enricher's seccomp records, and the AVC records of
// processes running with the SELinux recording type, to a LogBackend and,
// for containers running a profile's audit copy, the seccomp ones to an
// audit-mode Collector.
type Sink struct {
	Backend *LogBackend
	// Directory and Audits, when set, attribute logged calls of
	// audit-mode containers to their profile.
	Directory *Directory
	Audits    *auditmode.Collector
}

// Audit implements enricher.Sink.
func (s Sink) Audit(c enricher.Container, r audit.Record, syscallName string) {
	if r.Kind == audit.KindSelinux {
		if ds, invalid, ours := avcDenials(r); ours {
			s.Backend.Denied(c.ID, ds, invalid)
		}
		return
	}
	if r.Kind != audit.KindSeccomp {
		return
	}
	s.Backend.Syscall(c.ID, syscallName)
	if s.Audits == nil || s.Directory == nil || r.Action != audit.ActionLogCode || syscallName == "" {
		return
	}
	// Only a logged call of a container running an audit copy is one its
	// profile would have blocked: enforcing profiles' kill records and
	// log-all recordings are someone else's.
	ref, ok := s.Directory.Lookup(c.ID)
	switch {
	case !ok:
		s.Audits.AddUnresolved(c.ID, syscallName, time.Now())
	case ref.AuditProfile != nil:
		s.Audits.Add(auditCall(ref, syscallName, time.Now()))
	}
}

// auditCall describes a call of a container running an audit copy.
func auditCall(ref ContainerRef, syscallName string, at time.Time) auditmode.Call {
	return auditmode.Call{Profile: *ref.AuditProfile, Image: ref.Image, Syscall: syscallName,
		Namespace: ref.Namespace, Pod: ref.Pod, Container: ref.Container, At: at}
}

// AuditResolver lets an audit-mode Collector resolve the calls of
// containers the Directory learns about late.
func AuditResolver(d *Directory) auditmode.Resolve {
	return func(id string) (auditmode.Call, bool) {
		ref, ok := d.Lookup(id)
		if !ok || ref.AuditProfile == nil {
			return auditmode.Call{}, ok
		}
		return auditCall(ref, "", time.Time{}), true
	}
}
