package selinuxdtest_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/securityprofiles/operator/internal/selinuxd"
	"github.com/securityprofiles/operator/internal/selinuxd/selinuxdtest"
)

// goodCIL is what the daemon writes for the manual's nginx example, using
// types of Debian's reference policy.
const goodCIL = `(block good_ns
(blockinherit container)
(allow process good_ns.process ( tcp_socket ( listen )))
(allow process http_cache_port_t ( tcp_socket ( name_bind )))
(allow process node_t ( tcp_socket ( node_bind )))
(allow process var_log_t ( file ( getattr open read )))
(allow process proc_t ( file ( getattr open read )))
)
`

// brokenCIL names a type no policy declares.
const brokenCIL = `(block broken_ns
(blockinherit container)
(allow process no_such_port_t ( tcp_socket ( name_bind )))
)
`

// giveUp only keeps a broken server from hanging the test binary; an
// install takes seconds.
const giveUp = 5 * time.Minute

func TestServerInstallsFailsAndRemoves(t *testing.T) {
	store := selinuxdtest.NewStore(t)
	if !slices.Contains(store.Modules(t), "container") {
		t.Fatal("the store copy lacks the container template")
	}
	policies := selinuxd.PolicyDir{Path: filepath.Join(t.TempDir(), "selinux.d")}
	socket := filepath.Join(t.TempDir(), "selinuxd.sock")
	srv := selinuxdtest.Start(t, selinuxdtest.Options{Socket: socket, PolicyDir: policies.Path, Store: store})
	c := selinuxd.NewClient(socket)
	ctx := context.Background()
	if ready, err := c.Ready(ctx); err != nil || !ready {
		t.Fatalf("Ready() after Start = %v, %v; want true", ready, err)
	}

	for policy, cil := range map[string]string{"good_ns": goodCIL, "broken_ns": brokenCIL} {
		if _, err := policies.Write(policy, []byte(cil)); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	if st := waitForStatus(t, c, "good_ns"); st.State != selinuxd.StateInstalled {
		t.Fatalf("good_ns: %+v; want Installed", st)
	}
	st := waitForStatus(t, c, "broken_ns")
	t.Logf("two installs took %v", time.Since(start))
	if st.State != selinuxd.StateFailed || !strings.Contains(st.Message, "Failed to resolve") {
		t.Fatalf("broken_ns: %+v; want Failed with semodule's message", st)
	}
	if got := srv.Installed(); !slices.Equal(got, []string{"good_ns"}) {
		t.Fatalf("Installed() = %q; want [good_ns]", got)
	}
	if got, err := c.List(ctx); err != nil || !slices.Equal(got, []string{"good_ns"}) {
		t.Fatalf("List() = %q, %v; want [good_ns]", got, err)
	}
	modules := store.Modules(t)
	if good, broken := slices.Contains(modules, "good_ns"), slices.Contains(modules, "broken_ns"); !good || broken {
		t.Fatalf("in the store: good_ns %v, broken_ns %v; want only good_ns", good, broken)
	}

	if _, err := policies.Remove("good_ns"); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	waitForNotFound(t, c, "good_ns")
	t.Logf("removal took %v", time.Since(start))
	if slices.Contains(store.Modules(t), "good_ns") {
		t.Fatal("good_ns is still in the store after its file was deleted")
	}
	if got := srv.Installed(); len(got) != 0 {
		t.Fatalf("Installed() after removal = %q; want nothing", got)
	}
	if st, err := c.Status(ctx, "broken_ns"); err != nil || st.State != selinuxd.StateFailed {
		t.Fatalf("broken_ns after good_ns went: %+v, %v; want still Failed", st, err)
	}
}

// waitForStatus polls until selinuxd has a verdict on policy.
func waitForStatus(t *testing.T, c *selinuxd.Client, policy string) selinuxd.Status {
	t.Helper()
	deadline := time.Now().Add(giveUp)
	for {
		st, err := c.Status(context.Background(), policy)
		if err == nil {
			return st
		}
		if !errors.Is(err, selinuxd.ErrNotFound) || time.Now().After(deadline) {
			t.Fatalf("no verdict on %s: %v", policy, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitForNotFound polls until selinuxd has forgotten policy.
func waitForNotFound(t *testing.T, c *selinuxd.Client, policy string) {
	t.Helper()
	deadline := time.Now().Add(giveUp)
	for {
		st, err := c.Status(context.Background(), policy)
		if errors.Is(err, selinuxd.ErrNotFound) {
			return
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("%s is still known: %+v, %v", policy, st, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
