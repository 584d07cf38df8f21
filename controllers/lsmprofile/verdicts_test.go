package lsmprofile

import (
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
)

func TestVerdictCacheValidatesOncePerGeneration(t *testing.T) {
	g := NewWithT(t)
	var c verdictCache
	runs := 0
	refuse := func() (verdict, error) {
		runs++
		return verdict{reason: "Invalid", message: "run"}, nil
	}
	p := &apparmorprofilev1alpha1.AppArmorProfile{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "u1", Generation: 1}}

	v, err := c.remember(p, "in", refuse)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(v.reason).To(Equal("Invalid"))
	_, _ = c.remember(p, "in", refuse)
	g.Expect(runs).To(Equal(1), "same UID, generation and inputs")

	_, _ = c.remember(p, "other inputs", refuse)
	g.Expect(runs).To(Equal(2), "inputs changed")
	p.Generation = 2
	_, _ = c.remember(p, "other inputs", refuse)
	g.Expect(runs).To(Equal(3), "generation changed")
	p.UID = "u2"
	_, _ = c.remember(p, "other inputs", refuse)
	g.Expect(runs).To(Equal(4), "recreated under the same name")
	c.forget(types.NamespacedName{Namespace: "ns", Name: "p"})
	_, _ = c.remember(p, "other inputs", refuse)
	g.Expect(runs).To(Equal(5), "forgotten")
}

func TestVerdictCacheRetriesWhatCouldNotBeChecked(t *testing.T) {
	g := NewWithT(t)
	var c verdictCache
	p := &apparmorprofilev1alpha1.AppArmorProfile{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "u", Generation: 1}}
	runs := 0
	_, _ = c.remember(p, "", func() (verdict, error) { runs++; return verdict{unchecked: errors.New("no parser")}, nil })
	_, _ = c.remember(p, "", func() (verdict, error) { runs++; return verdict{}, errors.New("API down") })
	v, err := c.remember(p, "", func() (verdict, error) { runs++; return verdict{}, nil })
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(v.invalid()).To(BeFalse())
	g.Expect(runs).To(Equal(3))
}
