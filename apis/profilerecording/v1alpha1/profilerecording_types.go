package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RecordingKind is the kind of profile a recording produces.
// +kubebuilder:validation:Enum=SeccompProfile;SelinuxProfile
type RecordingKind string

// The recordable kinds.
const (
	RecordingKindSeccomp RecordingKind = "SeccompProfile"
	RecordingKindSelinux RecordingKind = "SelinuxProfile"
)

// Recorder is how a recording observes the workload.
// +kubebuilder:validation:Enum=logs;bpf
type Recorder string

// The recorders.
const (
	// RecorderLogs reads audit or syslog lines through the log enricher.
	RecorderLogs Recorder = "logs"
	// RecorderBPF traces syscalls with the eBPF recorder (seccomp only).
	RecorderBPF Recorder = "bpf"
)

// MergeStrategy says whether per-container recordings are merged.
// +kubebuilder:validation:Enum=none;containers
type MergeStrategy string

// The merge strategies.
const (
	// MergeNone makes one profile per recorded container instance.
	MergeNone MergeStrategy = "none"
	// MergeContainers keeps per-instance profiles Partial and merges them
	// into one profile per container when the recording is deleted.
	MergeContainers MergeStrategy = "containers"
)

// ProfileRecordingSpec selects the pods to record and how.
// +kubebuilder:validation:XValidation:rule="!(self.recorder == 'bpf' && self.kind == 'SelinuxProfile')",message="recorder bpf records only kind SeccompProfile; use recorder logs for a SelinuxProfile",fieldPath=".recorder"
type ProfileRecordingSpec struct {
	// kind is the kind of profile to produce.
	// +required
	Kind RecordingKind `json:"kind"`

	// recorder is logs (log enricher) or bpf (eBPF, seccomp only).
	// +required
	Recorder Recorder `json:"recorder"`

	// mergeStrategy is none (one profile per container instance) or
	// containers (merge instances of the same container when the recording
	// is deleted).
	// +optional
	// +kubebuilder:default=none
	MergeStrategy MergeStrategy `json:"mergeStrategy,omitempty"`

	// disableProfileAfterRecording creates the recorded profiles
	// with spec.disabled set, so they can be reviewed before any node
	// enforces them; set disabled to false to install one.
	// +optional
	DisableProfileAfterRecording bool `json:"disableProfileAfterRecording,omitempty"`

	// podSelector selects the pods to record in the recording's namespace.
	// +required
	PodSelector metav1.LabelSelector `json:"podSelector"`

	// containers limits recording to the named containers; all when empty.
	// +optional
	// +listType=set
	Containers []string `json:"containers,omitempty"`
}

// ProfileRecordingStatus reports what is being recorded.
type ProfileRecordingStatus struct {
	// activeWorkloads lists the pods ("<namespace>/<name>") being recorded.
	// +optional
	// +listType=set
	ActiveWorkloads []string `json:"activeWorkloads,omitempty"`

	// profiles lists the names of the profiles this recording produced
	// in its namespace, partial ones included until they are merged.
	// +optional
	// +listType=set
	Profiles []string `json:"profiles,omitempty"`

	// conditions report Ready once the recording can take effect.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ProfileRecording records a profile from the pods its selector matches, in
// namespaces labelled spo.x-k8s.io/enable-recording. Its name is the value
// of the spo.x-k8s.io/recording-id label on every profile it produces, so
// it must fit a label value.
// +kubebuilder:object:root=true
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63",message="a ProfileRecording's name labels the profiles it records (spo.x-k8s.io/recording-id) and may have at most 63 characters"
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=security-profiles
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.spec.kind`
// +kubebuilder:printcolumn:name="Recorder",type=string,JSONPath=`.spec.recorder`
// +kubebuilder:printcolumn:name="PodSelector",type=string,priority=10,JSONPath=`.spec.podSelector`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ProfileRecording struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec selects the pods and the recorder.
	// +required
	Spec ProfileRecordingSpec `json:"spec"`

	// status reports what is being recorded.
	// +optional
	Status ProfileRecordingStatus `json:"status,omitempty"`
}

// ProfileRecordingList is a list of ProfileRecordings.
// +kubebuilder:object:root=true
type ProfileRecordingList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the recordings.
	Items []ProfileRecording `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ProfileRecording{}, &ProfileRecordingList{})
}
