package recording

import (
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

// Sink feeds the log enricher's seccomp records to a LogBackend.
type Sink struct{ Backend *LogBackend }

// Audit implements enricher.Sink.
func (s Sink) Audit(c enricher.Container, r audit.Record, syscallName string) {
	if r.Kind == audit.KindSeccomp {
		s.Backend.Syscall(c.ID, syscallName)
	}
}
