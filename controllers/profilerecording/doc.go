// Package profilerecording is the manager's ProfileRecording controller.
// It reports which profiles a recording produced and whether the recorder
// it asks for is enabled in spod, and, for recordings with mergeStrategy
// containers, holds a finalizer so that deleting the recording merges its
// partial SeccompProfiles or SelinuxProfiles into one profile per
// container.
package profilerecording
