package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/securityprofiles/operator/test/envtest"
)

// apiServerProfilePath is where -apiserver-cpuprofile writes ("": nowhere).
var apiServerProfilePath string

// apiServerProfile writes a CPU profile of the API server, taken for
// seconds after a delay, to path.
func apiServerProfile(ctx context.Context, env *envtest.Env, path string, delay, seconds time.Duration) {
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(delay):
	}
	data, err := cs.Discovery().RESTClient().Get().AbsPath("/debug/pprof/profile").
		Param("seconds", fmt.Sprint(int(seconds.Seconds()))).Timeout(seconds + time.Minute).DoRaw(ctx)
	if err == nil {
		_ = os.WriteFile(path, data, 0o644)
	}
}
