package main

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"syscall"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	"github.com/securityprofiles/operator/test/envtest"
)

func run(ctx context.Context, nodes, latencyN, bulkN int, storage string, floorFirst bool) error {
	env, err := envtest.Start()
	if err != nil {
		return err
	}
	defer env.Stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if floorFirst && bulkN > 0 {
		if err := floor(ctx, env, nodes, bulkN); err != nil {
			return err
		}
	}
	dir, cleanup, err := storageDir(storage)
	if err != nil {
		return err
	}
	defer cleanup()
	start := time.Now()
	if err := startDaemons(ctx, env, dir, nodes); err != nil {
		return err
	}
	manager, mw, err := startManager(env, dir)
	if err != nil {
		return err
	}
	defer func() { _ = manager.Process.Signal(syscall.SIGTERM); _ = manager.Wait() }()
	started := time.Since(start)
	warm, err := warmUp(ctx, env)
	if err != nil {
		return err
	}
	fmt.Printf("seccomp profiles on %d simulated nodes (daemons started in %v; a first profile Installed %v later)\n",
		nodes, started.Round(time.Millisecond), warm.Round(time.Millisecond))

	if latencyN > 0 {
		ns, err := namespace(ctx, env, "latency-")
		if err != nil {
			return err
		}
		w, err := countWrites(mw)
		if err != nil {
			return err
		}
		lat, err := latency(ctx, env, ns, latencyN, nodes)
		if err != nil {
			return err
		}
		fmt.Printf("  create -> Installed, %d profiles one at a time: p50 %v  p99 %v  max %v\n",
			latencyN, pct(lat, 50), pct(lat, 99), pct(lat, 100))
		if err := w.print(latencyN); err != nil {
			return err
		}
		// Spec updates of profiles already Installed: a new file on every
		// node, and by design no node-status write (the state stays
		// Installed) and one manager write (the generation reported).
		updated := min(latencyN, 50)
		if w, err = countWrites(mw); err != nil {
			return err
		}
		upd, err := specUpdates(ctx, env, dir, ns, updated, nodes)
		if err != nil {
			return err
		}
		fmt.Printf("  spec update -> new file on every node, %d profiles one at a time: p50 %v  p99 %v\n",
			updated, pct(upd, 50), pct(upd, 99))
		if err := w.printPer(updated, "update", "status"); err != nil {
			return err
		}
	}
	if bulkN == 0 {
		return nil
	}
	ns, err := namespace(ctx, env, "bulk-")
	if err != nil {
		return err
	}
	w, err := countWrites(mw)
	if err != nil {
		return err
	}
	cpu, self := childCPU(), selfCPU()
	if apiServerProfilePath != "" {
		go apiServerProfile(ctx, env, apiServerProfilePath, 3*time.Second, 15*time.Second)
	}
	bulk, err := throughput(ctx, env, ns, bulkN)
	if err != nil {
		return err
	}
	fmt.Printf("    CPU used meanwhile: %s; the daemons (this process) %.1f s\n", cpuSince(cpu), selfCPU()-self)
	fmt.Printf("  %d profiles x %d nodes all Installed in %v (%.0f profile-node installs/s)\n",
		bulkN, nodes, bulk.Round(time.Millisecond), float64(bulkN*nodes)/bulk.Seconds())
	if err := w.print(bulkN); err != nil {
		return err
	}
	list := &nodestatusv1alpha1.SecurityProfileNodeStatusList{}
	if err := env.Client.List(ctx, list, client.InNamespace(ns)); err != nil {
		return err
	}
	fmt.Printf("  SecurityProfileNodeStatus objects for them: %d (one per node and namespace)\n", len(list.Items))
	events := &eventsv1.EventList{}
	if err := env.Client.List(ctx, events, client.InNamespace(ns)); err != nil {
		return err
	}
	fmt.Printf("  Events about them: %d\n", len(events.Items))

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	daemons := rssKiB("self")
	fmt.Printf("  memory: manager process RSS %d MiB; %d daemons in one process RSS %d MiB, Go heap %d MiB (%.1f MiB per daemon)\n",
		rssKiB(strconv.Itoa(manager.Process.Pid))/1024, nodes, daemons/1024, ms.HeapInuse>>20, float64(daemons)/1024/float64(nodes))
	return nil
}

// writes are the API writes of one phase: node statuses written by the
// daemons and writes of the manager (profile finalizers and statuses).
type writes struct {
	manager                  managerWrites
	statuses, writes, failed float64
}

func countWrites(m managerWrites) (*writes, error) {
	n, failed, err := m.count()
	return &writes{manager: m, statuses: statusWrites(), writes: n, failed: failed}, err
}

// print prints the writes per profile created.
func (w *writes) print(profiles int) error {
	return w.printPer(profiles, "profile", "status")
}

// printPer prints the writes per unit of work (a profile, an update) and
// what the manager's writes are.
func (w *writes) printPer(units int, unit, what string) error {
	n, failed, err := w.manager.count()
	if err != nil {
		return err
	}
	s, p := statusWrites()-w.statuses, n-w.writes
	fmt.Printf("    API writes: %.0f node-status writes (%.2f per %s), %.0f by the manager (%.2f per %s: %s); %.0f manager write conflicts and failed passes\n",
		s, s/float64(units), unit, p, p/float64(units), unit, what, failed-w.failed)
	return nil
}
