package profilerecording

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
)

func TestReadiness(t *testing.T) {
	const spod = "security-profiles-operator/spod"
	for _, tc := range []struct {
		name     string
		recorder profilerecordingv1alpha1.Recorder
		merge    profilerecordingv1alpha1.MergeStrategy
		rs       Recorders
		status   metav1.ConditionStatus
		reason   string
		message  string
	}{
		{name: "no spod", recorder: "logs", rs: Recorders{Spod: spod, LogEnricher: true},
			status: metav1.ConditionFalse, reason: ReasonSpodNotFound, message: spod + " not found"},
		{name: "bpf off", recorder: "bpf", rs: Recorders{Spod: spod, Found: true, LogEnricher: true},
			status: metav1.ConditionFalse, reason: ReasonRecorderNotEnabled, message: "enableBpfRecorder: true in SecurityProfilesOperatorDaemon " + spod},
		{name: "bpf on", recorder: "bpf", rs: Recorders{Spod: spod, Found: true, BPF: true},
			status: metav1.ConditionTrue, reason: ReasonRecording, message: "with the bpf recorder"},
		{name: "enricher off", recorder: "logs", rs: Recorders{Spod: spod, Found: true, BPF: true},
			status: metav1.ConditionFalse, reason: ReasonRecorderNotEnabled, message: "enableLogEnricher: true"},
		{name: "enricher on", recorder: "logs", rs: Recorders{Spod: spod, Found: true, LogEnricher: true},
			status: metav1.ConditionTrue, reason: ReasonRecording, message: "with the logs recorder"},
		{name: "merging", recorder: "logs", merge: "containers", rs: Recorders{Spod: spod, Found: true, LogEnricher: true},
			status: metav1.ConditionTrue, reason: ReasonRecording, message: "merged per container when the recording is deleted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &profilerecordingv1alpha1.ProfileRecording{
				ObjectMeta: metav1.ObjectMeta{Generation: 3},
				Spec:       profilerecordingv1alpha1.ProfileRecordingSpec{Kind: "SeccompProfile", Recorder: tc.recorder, MergeStrategy: tc.merge},
			}
			got := Readiness(rec, tc.rs)
			if got.Type != ConditionReady || got.Status != tc.status || got.Reason != tc.reason || got.ObservedGeneration != 3 {
				t.Errorf("got %+v, want %s %s", got, tc.status, tc.reason)
			}
			if !strings.Contains(got.Message, tc.message) {
				t.Errorf("message %q does not contain %q", got.Message, tc.message)
			}
		})
	}
}

func TestMergeFailed(t *testing.T) {
	rec := &profilerecordingv1alpha1.ProfileRecording{ObjectMeta: metav1.ObjectMeta{Generation: 2}}
	got := mergeFailed(rec, errors.New("boom"))
	if got.Status != metav1.ConditionFalse || got.Reason != ReasonMergeFailed || got.ObservedGeneration != 2 ||
		!strings.Contains(got.Message, "boom") || !strings.Contains(got.Message, "remove the finalizer") {
		t.Errorf("got %+v", got)
	}
}
