package main

import (
	"context"
	"fmt"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/securityprofiles/operator/hack/bench/abratio"
	"github.com/securityprofiles/operator/webhooks/binding"
)

// benchGateCheck measures what the scheduling-gate check adds to the
// binding handler for a pod whose profiles are all Installed (the hot
// path: such a pod is never gated). Calls alternate between the handler
// with and without the check, so drift of the machine's speed hits both.
func benchGateCheck(ctx context.Context, mgr ctrl.Manager, ns string, calls int) error {
	req, err := benchRequest(ns)
	if err != nil {
		return err
	}
	off := &binding.Handler{Reader: mgr.GetCache()}
	on := &binding.Handler{Reader: mgr.GetCache(), Gates: true}
	without := make([]time.Duration, 0, calls)
	with := make([]time.Duration, 0, calls)
	for range calls {
		for _, h := range []*binding.Handler{off, on} {
			start := time.Now()
			resp := h.Handle(ctx, req)
			d := time.Since(start)
			if !resp.Allowed || len(resp.Patches) == 0 {
				return fmt.Errorf("binding.spo.io did not patch the bench pod")
			}
			for _, p := range resp.Patches {
				if p.Path == "/spec/schedulingGates" {
					return fmt.Errorf("a pod whose profiles are Installed was gated")
				}
			}
			if h == on {
				with = append(with, d)
			} else {
				without = append(without, d)
			}
		}
	}
	fmt.Printf("binding.spo.io scheduling-gate check, installed profiles (never gated), %d alternating calls each\n", calls)
	fmt.Printf("  gates off  %s\n", summary(without))
	fmt.Printf("  gates on   %s\n", summary(with))
	fmt.Printf("  %s\n\n", abratio.Line("gate check, call pairs", "gates off", "gates on", without, with))
	return nil
}
