package lsmprofile

import (
	"errors"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	"github.com/securityprofiles/operator/internal/apparmor"
)

func TestNameOwner(t *testing.T) {
	g := NewWithT(t)
	at := func(ns string, sec int) apparmorprofilev1alpha1.AppArmorProfile {
		return apparmorprofilev1alpha1.AppArmorProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shared",
			CreationTimestamp: metav1.NewTime(time.Unix(int64(sec), 0))}}
	}
	self := at("b", 20)
	g.Expect(nameOwner(&self, nil).Namespace).To(Equal("b"))
	g.Expect(nameOwner(&self, []apparmorprofilev1alpha1.AppArmorProfile{at("b", 20)}).Namespace).To(Equal("b"), "itself in the list")
	g.Expect(nameOwner(&self, []apparmorprofilev1alpha1.AppArmorProfile{at("z", 10), at("b", 20)}).Namespace).To(Equal("z"), "older wins")
	g.Expect(nameOwner(&self, []apparmorprofilev1alpha1.AppArmorProfile{at("c", 30), at("a", 20)}).Namespace).To(Equal("a"), "same second: first namespace")
	g.Expect(nameOwner(&self, []apparmorprofilev1alpha1.AppArmorProfile{at("a", 30), at("c", 20)}).Namespace).To(Equal("b"))
}

func TestAppArmorVerdict(t *testing.T) {
	g := NewWithT(t)
	g.Expect(appArmorVerdict(nil)).To(Equal(verdict{}))

	refused := fmt.Errorf("validate: %w", &apparmor.InvalidError{Reason: apparmor.ReasonSyntaxError, Message: "line 2: unexpected end"})
	v := appArmorVerdict(refused)
	g.Expect(v.reason).To(Equal(ReasonInvalidAppArmorProfile))
	g.Expect(v.detail).To(Equal(apparmor.ReasonSyntaxError))
	g.Expect(v.message).To(ContainSubstring("line 2: unexpected end"))
	g.Expect(v.unchecked).NotTo(HaveOccurred())

	// Anything else is the validator's trouble, not the user's.
	v = appArmorVerdict(errors.New("apparmor_parser: executable file not found in $PATH"))
	g.Expect(v.invalid()).To(BeFalse())
	g.Expect(v.unchecked).To(MatchError(ContainSubstring("not found")))
	g.Expect(v.warning()).To(Equal(ReasonValidatorUnavailable))
}
