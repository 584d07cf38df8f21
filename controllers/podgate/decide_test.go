package podgate

import (
	"fmt"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

func installed(name string) Profile {
	return Profile{Kind: "SeccompProfile", Key: types.NamespacedName{Namespace: "ns", Name: name}, Found: true, State: profilebasev1alpha1.StateInstalled}
}

func TestDecide(t *testing.T) {
	key := func(n string) types.NamespacedName { return types.NamespacedName{Namespace: "ns", Name: n} }
	for _, tc := range []struct {
		name     string
		profiles []Profile
		disabled bool
		want     Decision
	}{
		{name: "no profiles", want: Decision{Release: true, Reason: ReasonInstalled,
			Message: "the pod uses no operator-managed profile"}},
		{name: "all installed", profiles: []Profile{installed("a"), installed("b")},
			want: Decision{Release: true, Reason: ReasonInstalled, Message: "every profile the pod uses is installed"}},
		{name: "gating disabled releases whatever the profiles say", disabled: true, profiles: []Profile{{Kind: "SeccompProfile", Key: key("a")}},
			want: Decision{Release: true, Reason: ReasonGatesDisabled,
				Message: "scheduling gates are disabled in spod, the pod does not wait for its profiles"}},
		{name: "no state yet is Pending", profiles: []Profile{installed("a"), {Kind: "SeccompProfile", Key: key("b"), Found: true}},
			want: Decision{Reason: ReasonNotInstalled, Message: "SeccompProfile ns/b is Pending"}},
		{name: "Ready reason equal to the state is not repeated", profiles: []Profile{{Kind: "SeccompProfile", Key: key("a"), Found: true,
			State: profilebasev1alpha1.StateInProgress, Ready: &metav1.Condition{Reason: "InProgress", Message: "on 1 of 3 nodes"}}},
			want: Decision{Reason: ReasonNotInstalled, Message: "SeccompProfile ns/a is InProgress: on 1 of 3 nodes"}},
		{name: "error names reason and message", profiles: []Profile{{Kind: "SeccompProfile", Key: key("a"), Found: true,
			State: profilebasev1alpha1.StateError, Ready: &metav1.Condition{Reason: "InvalidSeccompProfile", Message: "unknown syscall x"}}},
			want: Decision{Reason: ReasonError, Message: "SeccompProfile ns/a is Error: InvalidSeccompProfile: unknown syscall x"}},
		{name: "missing wins over error, sorted by name", profiles: []Profile{
			{Kind: "SeccompProfile", Key: key("c"), Found: true, State: profilebasev1alpha1.StateError},
			{Kind: "SeccompProfile", Key: key("b")},
			{Kind: "SeccompProfile", Key: key("a"), Found: true, Deleting: true, State: profilebasev1alpha1.StateInstalled}},
			want: Decision{Reason: ReasonNotFound,
				Message: "SeccompProfile ns/a is Terminating; SeccompProfile ns/b does not exist; SeccompProfile ns/c is Error"}},
		{name: "every kind named, sorted by kind and name; the missing one is the reason", profiles: []Profile{
			{Kind: "SeccompProfile", Key: key("a"), Found: true},
			{Kind: "RawSelinuxProfile", Key: key("raw"), Found: true, State: profilebasev1alpha1.StateInProgress},
			{Kind: "AppArmorProfile", Key: key("z"), Found: true, State: profilebasev1alpha1.StateInstalled},
			{Kind: "SelinuxProfile", Key: key("bound")},
			{Kind: "AppArmorProfile", Key: key("b"), Found: true}},
			want: Decision{Reason: ReasonNotFound,
				Message: "AppArmorProfile ns/b is Pending; RawSelinuxProfile ns/raw is InProgress; SeccompProfile ns/a is Pending; SelinuxProfile ns/bound does not exist"}},
		{name: "partial is never installed", profiles: []Profile{{Kind: "SeccompProfile", Key: key("rec-app-x1"), Found: true, Partial: true,
			State: profilebasev1alpha1.StatePartial}},
			want: Decision{Reason: ReasonNotInstalled,
				Message: "SeccompProfile ns/rec-app-x1 is a partial recorded profile, which is never installed: use the merged profile"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			NewWithT(t).Expect(Decide(tc.profiles, !tc.disabled)).To(Equal(tc.want))
		})
	}
}

func TestDecideBoundsTheMessage(t *testing.T) {
	g := NewWithT(t)
	var profiles []Profile
	for i := range 40 {
		profiles = append(profiles, Profile{Kind: "SeccompProfile", Key: types.NamespacedName{Namespace: "ns", Name: fmt.Sprintf("p%02d", i)},
			Found: true, State: profilebasev1alpha1.StateError,
			Ready: &metav1.Condition{Reason: "CannotSave", Message: strings.Repeat("é", 400)}})
	}
	d := Decide(profiles, true)
	g.Expect(len(d.Message)).To(BeNumerically("<=", maxMessage))
	g.Expect(d.Message).To(HavePrefix("SeccompProfile ns/p00 is Error: CannotSave: é"))
	g.Expect(d.Message).To(MatchRegexp(`\.\.\.; SeccompProfile ns/p01 .*; and 3\d more$`))
	g.Expect(strings.ToValidUTF8(d.Message, "?")).To(Equal(d.Message))
}

func TestJoin(t *testing.T) {
	g := NewWithT(t)
	g.Expect(join([]string{"aaaa", "bbbb", "cccc"}, 100)).To(Equal("aaaa; bbbb; cccc"))
	// All three need 24 bytes; "aaaa; bbbb; and 1 more" is 22.
	long := []string{"aaaa", "bbbb", "cccccccccccc"}
	g.Expect(join(long, 24)).To(Equal("aaaa; bbbb; cccccccccccc"))
	g.Expect(join(long, 22)).To(Equal("aaaa; bbbb; and 1 more"))
	g.Expect(join(long, 21)).To(Equal("aaaa; and 2 more"))
	g.Expect(join([]string{"aaaaaaaa"}, 6)).To(Equal("aaa..."))
}

func TestWatchedNamespaces(t *testing.T) {
	g := NewWithT(t)
	all := &Reconciler{OperatorNamespace: "spo"}
	g.Expect(all.watched("anything")).To(BeTrue())
	restricted := &Reconciler{OperatorNamespace: "spo", WatchNamespace: "team-a"}
	g.Expect(restricted.watched("team-a")).To(BeTrue())
	g.Expect(restricted.watched("spo")).To(BeTrue())
	g.Expect(restricted.watched("team-b")).To(BeFalse(), "the restricted cache cannot read team-b's profiles")
}
