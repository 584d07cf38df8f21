package baseprofiles

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"sigs.k8s.io/yaml"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

//go:embed profiles/*.yaml
var files embed.FS

// builtin maps each shipped profile's name to its spec, parsed once.
var builtin = mustLoad()

func mustLoad() map[string]seccompprofilev1beta1.SeccompProfileSpec {
	out := map[string]seccompprofilev1beta1.SeccompProfileSpec{}
	entries, err := fs.ReadDir(files, "profiles")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		data, err := files.ReadFile("profiles/" + e.Name())
		if err != nil {
			panic(err)
		}
		var sp seccompprofilev1beta1.SeccompProfile
		if err := yaml.UnmarshalStrict(data, &sp); err != nil {
			panic(fmt.Sprintf("base profile %s: %v", e.Name(), err))
		}
		if sp.Name+".yaml" != e.Name() {
			panic(fmt.Sprintf("base profile %s is named %q", e.Name(), sp.Name))
		}
		out[sp.Name] = sp.Spec
	}
	return out
}

// Get returns the shipped base profile with this name.
func Get(name string) (seccompprofilev1beta1.SeccompProfileSpec, bool) {
	spec, ok := builtin[name]
	return *spec.DeepCopy(), ok
}

// Names lists the shipped base profiles.
func Names() []string {
	var names []string
	for n := range builtin {
		names = append(names, n)
	}
	return names
}

// File returns the YAML of a shipped base profile, as examples/ ships it.
func File(name string) ([]byte, error) {
	if strings.ContainsAny(name, "/\\") {
		return nil, fmt.Errorf("invalid base profile name %q", name)
	}
	return files.ReadFile("profiles/" + name + ".yaml")
}
