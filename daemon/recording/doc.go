// Package recording turns recorded containers into profiles on the node
// that ran them. A Reconciler follows the pods on its node that the
// recording.spo.io webhook marked; when such a pod is gone, it asks a
// Backend (the eBPF recorder or the log enricher, each in its own
// container of the spod DaemonSet) what each recorded container did, and
// creates one SeccompProfile per container in the pod's namespace, or a
// Partial one per pod when the ProfileRecording merges containers.
//
// The pieces talk through the API server only: each recorder container
// runs its own Reconciler for the recordings of its recorder, so the
// main daemon container needs no privilege for recording.
package recording
