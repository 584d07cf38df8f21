package nodestatus

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// State is what a node reports for a profile.
type State struct {
	Status  profilebasev1alpha1.ProfileState
	Reason  string
	Message string
}

// LabelValue fits s into a label value (63 characters), replacing the end
// of a longer value with a hash so distinct values stay distinct.
func LabelValue(s string) string {
	if len(s) <= validation.LabelValueMaxLength {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return strings.TrimRight(s[:46], ".-_") + "-" + hex.EncodeToString(sum[:])[:16]
}

// ProfileID is the spo.x-k8s.io/profile-id label value of a profile.
func ProfileID(kind nodestatusv1alpha1.ProfileKind, profile string) string {
	return LabelValue(string(kind) + "-" + profile)
}

// maxMessage is the API's limit on a node state's message.
const maxMessage = 1024

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
