package nodestatus

import (
	"encoding/json"
	"strings"
	"testing"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

func TestFitKeepsAnObjectUnderTheLimit(t *testing.T) {
	entries := make([]nodestatusv1alpha1.ProfileNodeState, 3000)
	for i := range entries {
		entries[i] = nodestatusv1alpha1.ProfileNodeState{Kind: "SeccompProfile", Name: strings.Repeat("n", 60) + string(rune('a'+i%26)),
			UID: "0123456789abcdef0123456789abcdef0123", Status: profilebasev1alpha1.StateError,
			Reason: "CannotSaveSeccompProfile", Message: strings.Repeat("m", maxMessage)}
	}
	fit(entries)
	data, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > maxObjectBytes {
		t.Errorf("%d bytes after fit, limit %d", len(data), maxObjectBytes)
	}
	if m := entries[0].Message; len(m) != 128 || !strings.HasSuffix(m, "...") {
		t.Errorf("message cut to %d bytes (%q...), want 128 ending in ...", len(m), m[:10])
	}
	if entries[2999].Status != profilebasev1alpha1.StateError || entries[2999].Reason != "CannotSaveSeccompProfile" {
		t.Errorf("states and reasons must stay: %+v", entries[2999])
	}

	few := []nodestatusv1alpha1.ProfileNodeState{{Name: "a", Message: strings.Repeat("m", maxMessage)}}
	fit(few)
	if len(few[0].Message) != maxMessage {
		t.Errorf("a small object keeps its messages whole, got %d bytes", len(few[0].Message))
	}
}
