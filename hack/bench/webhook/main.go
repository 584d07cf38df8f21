// Command webhook measures the binding and recording webhooks: handler
// latency against the real informer cache with 100 ProfileBindings and 20
// ProfileRecordings in the namespace, and end-to-end pod-create latency
// through a local kube-apiserver with and without the webhooks, at a
// fixed create rate. Compared runs alternate and ratios are the median of
// per-round ratios (hack/bench/abratio). It prints numbers and never
// fails on them.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/test/webhooktest"
	"github.com/securityprofiles/operator/webhooks/binding"
	"github.com/securityprofiles/operator/webhooks/recording"
)

func main() {
	calls := flag.Int("calls", 5000, "Handler calls per webhook.")
	pods := flag.Int("pods", 500, "Pods created per end-to-end run.")
	rate := flag.Int("rate", 100, "Pod creations per second in the end-to-end runs.")
	rounds := flag.Int("rounds", 5, "Alternating rounds (without, with webhooks) the end-to-end pods are split into.")
	profile := flag.String("cpuprofile", "", "Write a CPU profile of this process (webhook server included) to this file.")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	ctrl.SetLogger(logr.Discard())
	if err := run(*calls, *pods, *rate, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "webhook bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(calls, pods, rate, rounds int) error {
	var mgr ctrl.Manager
	suite, err := webhooktest.StartWebhooks(
		[]string{spodv1alpha1.BindingWebhookName, spodv1alpha1.RecordingWebhookName},
		func(ctx context.Context, m ctrl.Manager) error {
			mgr = m
			if err := binding.Setup(ctx, m); err != nil {
				return err
			}
			return recording.Setup(ctx, m)
		})
	if err != nil {
		return err
	}
	defer func() { _ = suite.Stop() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := fastClient(suite)
	if err != nil {
		return err
	}
	ns, err := populate(ctx, c)
	if err != nil {
		return err
	}
	if err := waitMutated(ctx, c, ns); err != nil {
		return err
	}
	fmt.Printf("namespace with 100 ProfileBindings, 100 installed SeccompProfiles and 20 ProfileRecordings\n\n")
	if err := benchHandlers(ctx, mgr, ns, calls); err != nil {
		return err
	}
	if err := benchGateCheck(ctx, mgr, ns, calls); err != nil {
		return err
	}
	return benchEndToEnd(ctx, c, ns, pods, rate, rounds)
}
