package main

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/test/envtest"
)

// floor measures what no design of the operator can avoid in the bulk
// phase: n profiles created by the same client, each delivered to one
// SeccompProfile watch per node, as every daemon must receive them, with
// no operator running and nothing written back. Its time and the API
// server's CPU are the least any operator spends on this machine.
func floor(ctx context.Context, env *envtest.Env, nodes, n int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	seen := make([]atomic.Int64, nodes)
	for i := range nodes {
		// A connection of its own per watcher, as startDaemons gives each
		// daemon.
		cfg := *env.Config
		cfg.Dial = (&net.Dialer{}).DialContext
		c, err := cache.New(&cfg, cache.Options{Scheme: env.Scheme})
		if err != nil {
			return err
		}
		inf, err := c.GetInformer(ctx, &seccompprofilev1beta1.SeccompProfile{})
		if err != nil {
			return err
		}
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc: func(any) { seen[i].Add(1) },
		}); err != nil {
			return err
		}
		go func() { _ = c.Start(ctx) }()
		if !c.WaitForCacheSync(ctx) {
			return fmt.Errorf("watcher %d did not sync", i)
		}
	}
	ns, err := namespace(ctx, env, "floor-")
	if err != nil {
		return err
	}
	cpu, self := childCPU(), selfCPU()
	start := time.Now()
	created, err := createProfiles(ctx, env, ns, n)
	if err != nil {
		return err
	}
	for i := range seen {
		for seen[i].Load() < int64(n) {
			if time.Since(start) > 10*time.Minute {
				return fmt.Errorf("watcher %d saw %d of %d profiles", i, seen[i].Load(), n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	fmt.Printf("  floor, no operator: %d profiles created in %v and seen by %d watchers in %v\n",
		n, created.Round(time.Millisecond), nodes, time.Since(start).Round(time.Millisecond))
	fmt.Printf("    CPU used meanwhile: %s; the watchers (this process) %.1f s\n", cpuSince(cpu), selfCPU()-self)
	// Gone before the daemons start: no operator ran, so no finalizer holds them.
	return env.Client.DeleteAllOf(ctx, &seccompprofilev1beta1.SeccompProfile{}, client.InNamespace(ns))
}
