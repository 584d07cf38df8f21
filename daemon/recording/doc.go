// Package recording turns recorded containers into profiles on the node
// that ran them. A Reconciler follows the pods on its node that the
// recording.spo.io webhook marked; when such a pod is gone, it asks a
// Backend (the eBPF recorder or the log enricher, each in its own
// container of the spod DaemonSet) what each recorded container did, and
// creates one profile per container in the pod's namespace, or a Partial
// one per pod when the ProfileRecording merges containers: a
// SeccompProfile allowing the syscalls seen, or, for a SelinuxProfile
// recording (logs recorder only), a SelinuxProfile allowing what the
// container policy denied the permissive recording type.
//
// The pieces talk through the API server only: each recorder container
// runs its own Reconciler for the recordings of its recorder, so the
// main daemon container needs no privilege for recording.
package recording
