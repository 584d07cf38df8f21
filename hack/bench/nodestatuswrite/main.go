// Command nodestatuswrite measures what one write of a node status costs
// the API server (and etcd) in CPU, by the number of profiles it lists and
// how: Installed ones as strings in installed, others as objects in
// profiles. It prints numbers and asserts nothing.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	"github.com/securityprofiles/operator/hack/bench/proccpu"
	"github.com/securityprofiles/operator/test/envtest"
)

// writes is how many updates each measurement averages over.
const writes = 200

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "nodestatuswrite:", err)
		os.Exit(1)
	}
}

func run() error {
	env, err := envtest.Start()
	if err != nil {
		return err
	}
	defer env.Stop()
	ctx := context.Background()
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench"}}); err != nil {
		return err
	}
	fmt.Println("API server + etcd CPU per node-status write, by profiles listed:")
	for _, n := range []int{1, 64, 500, 2000} {
		var cost [2]float64
		for i, asObjects := range []bool{true, false} {
			if cost[i], err = perWrite(ctx, env, n, asObjects); err != nil {
				return err
			}
		}
		fmt.Printf("  %4d profiles: %6.1f ms as objects (profiles), %6.1f ms as strings (installed)\n", n, cost[0], cost[1])
	}
	return nil
}

// perWrite creates a status listing n profiles and returns the CPU
// milliseconds an update of it costs, each update changing one label.
func perWrite(ctx context.Context, env *envtest.Env, n int, asObjects bool) (float64, error) {
	obj := &nodestatusv1alpha1.SecurityProfileNodeStatus{
		ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: fmt.Sprintf("node-%d-%t", n, asObjects)},
		NodeName:   fmt.Sprintf("node-%d-%t", n, asObjects), ProfileCount: int32(n)}
	for i := 0; i < n; i++ {
		name, uid := "profile-"+strconv.Itoa(i), types.UID(fmt.Sprintf("0b0c1f9e-8f7e-4d1b-9c55-%012d", i))
		if asObjects {
			obj.Profiles = append(obj.Profiles, nodestatusv1alpha1.ProfileNodeState{Kind: "SeccompProfile", Name: name, UID: uid,
				Status: profilebasev1alpha1.StatePending, Reason: "Pending"})
		} else {
			obj.Installed = append(obj.Installed, nodestatusv1alpha1.InstalledEntry("SeccompProfile", name, uid))
		}
	}
	obj.Name = obj.NodeName
	if err := env.Client.Create(ctx, obj); err != nil {
		return 0, err
	}
	before := controlPlaneCPU()
	for j := 0; j < writes; j++ {
		obj.Labels = map[string]string{"write": strconv.Itoa(j)}
		if err := env.Client.Update(ctx, obj); err != nil {
			return 0, err
		}
	}
	return (controlPlaneCPU() - before) * 1000 / writes, nil
}

// controlPlaneCPU is the CPU seconds this process's kube-apiserver and
// etcd children used so far.
func controlPlaneCPU() float64 {
	cpu := proccpu.Children()
	return cpu["kube-apiserver"] + cpu["etcd"]
}
