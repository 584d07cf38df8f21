// Package recording is the recording.spo.io webhook: at pod creation it
// marks the containers of every pod a ProfileRecording in its namespace
// selects, with one annotation per container that the node daemon reads
// (see keys.RecordingAnnotationPrefix), and gives containers recorded
// with the logs recorder the log-all profile. A small controller keeps
// each recording's status.activeWorkloads in step with the marked pods.
//
// Mutate is pure; the handler only gathers recordings from the cache.
package recording
