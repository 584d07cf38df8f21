package install

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/test/envtest"
)

func readRepoFile(name string) string {
	GinkgoHelper()
	b, err := os.ReadFile(filepath.Join(envtest.RepoRoot(), name))
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

// The Dockerfiles cannot be built here (no container engine); what keeps
// them honest is that they build the binaries `make build` builds, with
// the same flags, which is checked here against the Makefile.
var _ = Describe("Dockerfiles", func() {
	makefile := func() (versionPkg string, stamps []string) {
		mk := readRepoFile("Makefile")
		m := regexp.MustCompile(`(?m)^VERSION_PKG := (\S+)$`).FindStringSubmatch(mk)
		Expect(m).NotTo(BeNil())
		ld := regexp.MustCompile(`(?m)^LDFLAGS := (.*)$`).FindStringSubmatch(mk)
		Expect(ld).NotTo(BeNil())
		Expect(ld[1]).To(HavePrefix("-s -w "))
		for _, x := range regexp.MustCompile(`-X \$\(VERSION_PKG\)\.(\w+)=`).FindAllStringSubmatch(ld[1], -1) {
			stamps = append(stamps, x[1])
		}
		Expect(stamps).To(ContainElements("version", "gitCommit", "buildDate"))
		return m[1], stamps
	}

	It("build the manager, webhook and daemon with make build's flags", func() {
		versionPkg, stamps := makefile()
		for file, want := range map[string][]string{
			"Dockerfile.manager": {"CGO_ENABLED=0 go build -trimpath", "./cmd/manager ./cmd/webhook"},
			"Dockerfile.daemon":  {". hack/cgo-env.sh", "go build -trimpath", "./cmd/daemon"},
		} {
			df := readRepoFile(file)
			for _, w := range want {
				Expect(df).To(ContainSubstring(w), file)
			}
			Expect(df).To(ContainSubstring("VERSION_PKG="+versionPkg), file)
			Expect(df).To(ContainSubstring(`-ldflags "-s -w `), file)
			for _, s := range stamps {
				Expect(df).To(ContainSubstring("-X ${VERSION_PKG}."+s+"="), "%s does not stamp %s", file, s)
			}
		}
	})

	It("run the manager and webhook as non-root and the daemon as root", func() {
		manager := readRepoFile("Dockerfile.manager")
		for _, target := range []string{"manager", "webhook"} {
			stage := manager[strings.Index(manager, " AS "+target+"\n"):]
			if next := strings.Index(stage[1:], "\nFROM "); next >= 0 {
				stage = stage[:next+1]
			}
			Expect(stage).To(ContainSubstring("USER 65532:65532"), target)
			Expect(stage).To(ContainSubstring(`ENTRYPOINT ["/`+target+`"]`), target)
		}
		Expect(readRepoFile("Dockerfile.daemon")).To(ContainSubstring(`ENTRYPOINT ["/daemon"]`))
	})
})
