package crds

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"
)

// ContainSubset succeeds when every field of want is present with the same
// value in the actual object; fields the server added (defaults) are
// allowed. Lists must match element by element.
func ContainSubset(want any) types.GomegaMatcher {
	return gcustom.MakeMatcher(func(actual any) (bool, error) {
		w, err := normalize(want)
		if err != nil {
			return false, err
		}
		a, err := normalize(actual)
		if err != nil {
			return false, err
		}
		return subset(w, a), nil
	}).WithTemplate("Expected\n{{.FormattedActual}}\n{{.To}} contain every field of\n{{format .Data 1}}", want)
}

// normalize round-trips through JSON so numbers from YAML (float64) and
// from the API (int64) compare equal.
func normalize(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	var out any
	return out, json.Unmarshal(data, &out)
}

func subset(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !subset(wv, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !subset(w[i], g[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(want, got)
	}
}
