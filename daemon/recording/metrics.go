package recording

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	// profilesRecorded counts the profiles the eBPF recorder produced.
	bpfProfiles = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_seccomp_profile_bpf_total",
		Help: "Counter about seccomp profiles recorded by the bpf recorder, requires the bpf recorder to be enabled.",
	}, []string{"node", "namespace", "profile"})
	// recordingOutcomes counts recorded containers by recorder and outcome.
	recordingOutcomes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_profile_recordings_total",
		Help: "Recorded containers turned into profiles (outcome recorded), recorded incompletely (incomplete), or not seen by the recorder (nothing).",
	}, []string{"recorder", "outcome"})
	registerOnce sync.Once
)

// Outcomes of a recorded container.
const (
	outcomeRecorded   = "recorded"
	outcomeIncomplete = "incomplete"
	outcomeNothing    = "nothing"
)

// RegisterMetrics adds the recording metrics to controller-runtime's
// registry; calling it again does nothing.
func RegisterMetrics() {
	registerOnce.Do(func() {
		metrics.Registry.MustRegister(bpfProfiles, recordingOutcomes)
		for _, rec := range []string{"bpf", "logs"} {
			for _, o := range []string{outcomeRecorded, outcomeIncomplete, outcomeNothing} {
				recordingOutcomes.WithLabelValues(rec, o)
			}
		}
	})
}
