package selinuxcil

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/securityprofiles/operator/internal/selinuxd/selinuxdtest"
)

// needsOwnTemplates are goldens built on the net_container stand-in of
// testdata/templates.cil, a template Debian's store does not have.
var needsOwnTemplates = []string{"translate-net-container.golden", "translate-inherit-profile-and-templates.golden"}

// TestGoldensInstallIntoARealPolicyStore installs every golden policy
// that needs only the container template, in one transaction (as selinuxd
// would one by one), into a copy of Debian's policy store with semodule:
// beyond secilc's check against our small base, the generated CIL links
// against a real distribution policy (refpolicy's types and classes).
func TestGoldensInstallIntoARealPolicyStore(t *testing.T) {
	store := selinuxdtest.NewStore(t)
	goldens, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-p", store.Root(), "-n"}
	var want []string
	for _, g := range goldens {
		if slices.Contains(needsOwnTemplates, filepath.Base(g)) {
			continue
		}
		// semodule names a module after its file.
		name := strings.TrimSuffix(filepath.Base(g), ".golden")
		path := writeCIL(t, name+".cil", mustRead(t, g))
		args = append(args, "-i", path)
		want = append(want, name)
	}
	if len(want) < 5 {
		t.Fatalf("only %d goldens to install", len(want))
	}
	out, err := exec.Command("semodule", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("semodule %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	installed := store.Modules(t)
	for _, m := range want {
		if !slices.Contains(installed, m) {
			t.Errorf("module %s not in the store after install; store has %v", m, installed)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
