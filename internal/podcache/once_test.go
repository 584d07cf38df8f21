package podcache_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/securityprofiles/operator/internal/podcache"
)

// TestTransformsKeepTheirOutput: the watch-list sync hands each transform
// its own output a second time; it must come back as the same pod, not a
// second copy held alongside the first until the sync ends.
func TestTransformsKeepTheirOutput(t *testing.T) {
	for name, transform := range map[string]toolscache.TransformFunc{
		"manager": podcache.Manager(operatorNamespace),
		"daemon":  podcache.Daemon(),
	} {
		once, err := transform(fatPod("team-a"))
		if err != nil {
			t.Fatal(err)
		}
		twice, err := transform(once)
		if err != nil {
			t.Fatal(err)
		}
		if twice.(*corev1.Pod) != once.(*corev1.Pod) {
			t.Errorf("%s: the second transform copied the trimmed pod", name)
		}
	}
}
