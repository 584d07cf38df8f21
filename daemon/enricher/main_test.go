package enricher

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/securityprofiles/operator/internal/seccomp"
	"github.com/securityprofiles/operator/internal/seccompfilter"
)

// childEnv switches the test binary into one of the child roles below,
// which the kernel tests start to produce seccomp records.
const childEnv = "ENRICHER_TEST_CHILD"

// Child roles.
const (
	childTrue      = "exec-true"  // exec /bin/true under an SCMP_ACT_LOG filter
	childBurst     = "exec-burst" // re-exec this binary as childGetpids under the filter
	childGetpids   = "getpids"    // make burstSize getpid calls
	burstSize      = 5000
	trueExecutable = "/bin/true"
)

var logProfile = seccomp.Profile{DefaultAction: "SCMP_ACT_LOG"}

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case childTrue:
		err := seccompfilter.Exec(logProfile, trueExecutable, []string{"true"}, nil)
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	case childBurst:
		env := []string{childEnv + "=" + childGetpids}
		err := seccompfilter.Exec(logProfile, os.Args[0], os.Args[:1], env)
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	case childGetpids:
		for range burstSize {
			_, _, _ = unix.RawSyscall(unix.SYS_GETPID, 0, 0, 0)
		}
		os.Exit(0)
	}
	os.Exit(2)
}
