package podpatch

import (
	"encoding/json"
	"fmt"

	jsonpatchapply "github.com/evanphx/json-patch/v5"
	"gomodules.xyz/jsonpatch/v2"
	corev1 "k8s.io/api/core/v1"
)

// Apply applies ops to pod the way the API server applies a webhook's
// patch (RFC 6902 on the pod's JSON) and returns the result. The webhooks'
// tests and fuzzers use it to prove a patch is valid and complete.
func Apply(pod *corev1.Pod, ops []jsonpatch.JsonPatchOperation) (*corev1.Pod, error) {
	doc, err := json.Marshal(pod)
	if err != nil {
		return nil, fmt.Errorf("encode pod: %w", err)
	}
	raw, err := json.Marshal(ops)
	if err != nil {
		return nil, fmt.Errorf("encode patch: %w", err)
	}
	patch, err := jsonpatchapply.DecodePatch(raw)
	if err != nil {
		return nil, fmt.Errorf("decode patch %s: %w", raw, err)
	}
	out, err := patch.Apply(doc)
	if err != nil {
		return nil, fmt.Errorf("apply patch %s: %w", raw, err)
	}
	var res corev1.Pod
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("decode patched pod: %w", err)
	}
	return &res, nil
}
