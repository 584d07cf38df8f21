package keys

import "strings"

// RecordingAnnotationPrefix starts the per-container annotation the
// recording.spo.io webhook puts on every pod it marks for recording, and
// that the node daemon reads to know what to record. The full key is
// RecordingAnnotationPrefix + "<container name>", e.g.
// "record.spo.x-k8s.io/nginx". The container name sits in the key's name
// part, which allows 63 characters, exactly a container name's limit; a
// "spo.x-k8s.io/record-<container>" key would overflow it for long names
// and make the API server refuse the pod.
//
// The value is "<recording>/<recorder>/<kind>", e.g.
// "test-recording/logs/SeccompProfile": the ProfileRecording's name (in
// the pod's namespace), its recorder (logs or bpf) and the kind of
// profile to produce (SeccompProfile or SelinuxProfile). None of the three
// can contain "/", so the value splits unambiguously; use
// RecordingAnnotationValue and ParseRecordingAnnotation rather than
// formatting or splitting it by hand.
const RecordingAnnotationPrefix = "record.spo.x-k8s.io/"

// RecordingAnnotationKey is the recording annotation key for a container.
func RecordingAnnotationKey(container string) string {
	return RecordingAnnotationPrefix + container
}

// RecordingAnnotationValue formats the recording annotation value.
func RecordingAnnotationValue(recording, recorder, kind string) string {
	return recording + "/" + recorder + "/" + kind
}

// ParseRecordingAnnotation splits a recording annotation value into the
// recording's name, recorder and kind; ok is false when the value does not
// have exactly three non-empty parts.
func ParseRecordingAnnotation(value string) (recording, recorder, kind string, ok bool) {
	parts := strings.Split(value, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// BindingsAnnotation lists, comma-separated and sorted, the ProfileBindings
// the binding.spo.io webhook applied to a pod. The webhook's status
// controller reads it to fill each binding's status.activeWorkloads, since
// a pod created from a template has no name yet when it is admitted.
const BindingsAnnotation = Prefix + "bindings"

// The seccomp profile the recording webhook gives every container recorded
// with the logs recorder. Its default action is SCMP_ACT_LOG and it has no
// rules, so every syscall is allowed and written to the audit log, where
// the log enricher picks it up. The node daemon installs it on every node
// at <kubelet root>/seccomp/LogAllProfilePath, next to (never inside) the
// per-namespace directories: namespace names cannot contain ".", so no
// namespace directory can collide with it.
const (
	// LogAllProfileName names the log-all profile in logs and events.
	LogAllProfileName = "spo-log-all"
	// LogAllProfilePath is the log-all profile's localhostProfile path,
	// relative to the kubelet's seccomp root.
	LogAllProfilePath = "operator/" + LogAllProfileName + ".json"
	// LogAllDefaultAction is the log-all profile's only setting.
	LogAllDefaultAction = "SCMP_ACT_LOG"
)

// SelinuxRecordingType is the SELinux process type the recording webhook
// gives every container recorded into a SelinuxProfile with the logs
// recorder: a permissive type the node daemon installs (through selinuxd)
// so every access is allowed and audited as an AVC line.
const SelinuxRecordingType = "selinuxrecording.process"
