package profilerecording

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/securityprofiles/operator/apis/keys"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

type allowMap = selinuxprofilev1alpha2.Allow

var (
	systemContainer = selinuxprofilev1alpha2.PolicyRef{Kind: selinuxprofilev1alpha2.PolicyKindSystem, Name: "container"}
	netContainer    = selinuxprofilev1alpha2.PolicyRef{Kind: selinuxprofilev1alpha2.PolicyKindSystem, Name: "net_container"}
	teamBase        = selinuxprofilev1alpha2.PolicyRef{Kind: selinuxprofilev1alpha2.PolicyKindSelinuxProfile, Name: "team-base"}
)

// selinuxPartial is a partial SelinuxProfile of recording "rec" as the
// daemon writes it.
func selinuxPartial(container, suffix string, inherit []selinuxprofilev1alpha2.PolicyRef, allow allowMap) selinuxprofilev1alpha2.SelinuxProfile {
	name := "rec-" + container + "-" + suffix
	return selinuxprofilev1alpha2.SelinuxProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, Labels: map[string]string{
			keys.RecordingIDLabel: "rec", keys.PartialLabel: "true", keys.ContainerIDLabel: container,
			keys.ProfileIDLabel: "SelinuxProfile-" + name,
		}},
		Spec: selinuxprofilev1alpha2.SelinuxProfileSpec{Inherit: inherit, Allow: allow},
	}
}

func selinuxMerged(container string, inherit []selinuxprofilev1alpha2.PolicyRef, allow allowMap) selinuxprofilev1alpha2.SelinuxProfile {
	return selinuxprofilev1alpha2.SelinuxProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rec-" + container, Labels: map[string]string{keys.RecordingIDLabel: "rec"}},
		Spec:       selinuxprofilev1alpha2.SelinuxProfileSpec{Inherit: inherit, Allow: allow},
	}
}

func refs(r ...selinuxprofilev1alpha2.PolicyRef) []selinuxprofilev1alpha2.PolicyRef { return r }

// manyTypes allows read on files of n types named prefix000_t….
func manyTypes(prefix string, n int) allowMap {
	out := allowMap{}
	for i := range n {
		out[selinuxprofilev1alpha2.LabelKey(fmt.Sprintf("%s%03d_t", prefix, i))] = selinuxprofilev1alpha2.ObjectClassPermissions{"file": {"read"}}
	}
	return out
}

func TestPlanSelinux(t *testing.T) {
	for _, tc := range []struct {
		name     string
		partials []selinuxprofilev1alpha2.SelinuxProfile
		want     []selinuxprofilev1alpha2.SelinuxProfile
		err      string
	}{{
		name: "replicas of one container: union of types, classes and permissions, inherit in order",
		partials: []selinuxprofilev1alpha2.SelinuxProfile{
			selinuxPartial("web", "q7x2p", refs(systemContainer, teamBase), allowMap{
				"@self":     {"tcp_socket": {"listen"}},
				"var_log_t": {"file": {"write", "open"}},
			}),
			selinuxPartial("web", "b4k9m", refs(systemContainer, netContainer), allowMap{
				"var_log_t":         {"file": {"append", "open"}, "dir": {"search"}},
				"http_cache_port_t": {"tcp_socket": {"name_bind"}},
			}),
			selinuxPartial("web", "zz001", refs(systemContainer), nil),
		},
		want: []selinuxprofilev1alpha2.SelinuxProfile{selinuxMerged("web", refs(systemContainer, netContainer, teamBase), allowMap{
			"@self":             {"tcp_socket": {"listen"}},
			"http_cache_port_t": {"tcp_socket": {"name_bind"}},
			"var_log_t":         {"file": {"append", "open", "write"}, "dir": {"search"}},
		})},
	}, {
		name: "two containers, partials that allow nothing",
		partials: []selinuxprofilev1alpha2.SelinuxProfile{
			selinuxPartial("worker", "aaaaa", refs(systemContainer), nil),
			selinuxPartial("api", "aaaaa", refs(systemContainer), allowMap{"node_t": {"tcp_socket": {"node_bind"}}}),
			selinuxPartial("worker", "bbbbb", refs(systemContainer), nil),
		},
		want: []selinuxprofilev1alpha2.SelinuxProfile{
			selinuxMerged("api", refs(systemContainer), allowMap{"node_t": {"tcp_socket": {"node_bind"}}}),
			selinuxMerged("worker", refs(systemContainer), nil),
		},
	}, {
		name:     "a partial without its container",
		partials: []selinuxprofilev1alpha2.SelinuxProfile{withoutSelinuxContainer(selinuxPartial("web", "aaaaa", refs(systemContainer), nil))},
		err:      "partial profile rec-web-aaaaa has no spo.x-k8s.io/container-id label",
	}, {
		name: "permissive and enforcing partials",
		partials: []selinuxprofilev1alpha2.SelinuxProfile{
			selinuxPartial("web", "aaaaa", refs(systemContainer), nil),
			permissive(selinuxPartial("web", "bbbbb", refs(systemContainer), nil)),
		},
		err: "partial profiles rec-web-aaaaa and rec-web-bbbbb of container web disagree on permissive",
	}, {
		name: "a union beyond the API's 128 types",
		partials: []selinuxprofilev1alpha2.SelinuxProfile{
			selinuxPartial("web", "aaaaa", refs(systemContainer), manyTypes("a", 100)),
			selinuxPartial("web", "bbbbb", refs(systemContainer), manyTypes("b", 29)),
		},
		err: "merged profile of container web would allow 129 types, more than the 128 a SelinuxProfile takes",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PlanSelinux("ns", "rec", tc.partials)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error: got %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !equality.Semantic.DeepEqual(got, tc.want) {
				g, _ := yaml.Marshal(got)
				w, _ := yaml.Marshal(tc.want)
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestPlanSelinuxIgnoresOrderAndLeavesPartialsAlone(t *testing.T) {
	// A user may have listed a partial's permissions in any order.
	a := selinuxPartial("web", "aaaaa", refs(systemContainer), allowMap{"var_log_t": {"file": {"write"}, "dir": {"search", "getattr"}}})
	b := selinuxPartial("web", "bbbbb", refs(teamBase, systemContainer), allowMap{"var_log_t": {"file": {"read"}}})
	first, err := PlanSelinux("ns", "rec", []selinuxprofilev1alpha2.SelinuxProfile{a, b})
	if err != nil {
		t.Fatal(err)
	}
	second, err := PlanSelinux("ns", "rec", []selinuxprofilev1alpha2.SelinuxProfile{b, a})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := yaml.Marshal(first)
	y, _ := yaml.Marshal(second)
	if string(x) != string(y) {
		t.Errorf("order of partials changed the result:\n%s\n%s", x, y)
	}
	want := selinuxMerged("web", refs(systemContainer, teamBase), allowMap{"var_log_t": {"file": {"read", "write"}, "dir": {"getattr", "search"}}})
	if !equality.Semantic.DeepEqual(first, []selinuxprofilev1alpha2.SelinuxProfile{want}) {
		t.Errorf("got\n%s", x)
	}
	if got := a.Spec.Allow["var_log_t"]["dir"]; len(got) != 2 || got[0] != "search" {
		t.Errorf("merging changed a partial: %v", got)
	}
}

func withoutSelinuxContainer(p selinuxprofilev1alpha2.SelinuxProfile) selinuxprofilev1alpha2.SelinuxProfile {
	delete(p.Labels, keys.ContainerIDLabel)
	return p
}

func permissive(p selinuxprofilev1alpha2.SelinuxProfile) selinuxprofilev1alpha2.SelinuxProfile {
	p.Spec.Permissive = true
	return p
}
