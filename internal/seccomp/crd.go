package seccomp

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

// FromSpec converts a SeccompProfile spec to an OCI profile. A spec that
// still names a baseProfileName is an error: the base must be resolved
// and merged first, or the runtime would get an incomplete filter.
func FromSpec(spec seccompprofilev1beta1.SeccompProfileSpec) (Profile, error) {
	if spec.BaseProfileName != "" {
		return Profile{}, fmt.Errorf("baseProfileName %q must be resolved before conversion", spec.BaseProfileName)
	}
	p := Profile{
		DefaultAction: string(spec.DefaultAction),
		ListenerPath:  spec.ListenerPath, ListenerMetadata: spec.ListenerMetadata,
	}
	var err error
	if p.DefaultErrnoRet, err = errnoFromSpec(spec.DefaultErrnoRet); err != nil {
		return Profile{}, fmt.Errorf("defaultErrnoRet: %w", err)
	}
	for _, a := range spec.Architectures {
		p.Architectures = append(p.Architectures, string(a))
	}
	for _, f := range spec.Flags {
		p.Flags = append(p.Flags, string(f))
	}
	for i, s := range spec.Syscalls {
		rule, err := ruleFromSpec(s)
		if err != nil {
			return Profile{}, fmt.Errorf("syscalls[%d]: %w", i, err)
		}
		p.Syscalls = append(p.Syscalls, rule)
	}
	if err := Validate(p); err != nil {
		return Profile{}, err
	}
	return Normalize(p), nil
}

func ruleFromSpec(s seccompprofilev1beta1.Syscall) (Syscall, error) {
	rule := Syscall{Action: string(s.Action)}
	var err error
	if rule.ErrnoRet, err = errnoFromSpec(s.ErrnoRet); err != nil {
		return Syscall{}, fmt.Errorf("errnoRet: %w", err)
	}
	for _, n := range s.Names {
		rule.Names = append(rule.Names, string(n))
	}
	for _, a := range s.Args {
		if a.Index < 0 || a.Value < 0 || a.ValueTwo < 0 {
			return Syscall{}, errors.New("args: negative index or value")
		}
		rule.Args = append(rule.Args, Arg{
			Index: uint(a.Index), Value: uint64(a.Value), ValueTwo: uint64(a.ValueTwo), Op: string(a.Op),
		})
	}
	return rule, nil
}

// ToSpec converts an OCI profile to a SeccompProfile spec.
func ToSpec(p Profile) (seccompprofilev1beta1.SeccompProfileSpec, error) {
	p = Normalize(p)
	spec := seccompprofilev1beta1.SeccompProfileSpec{
		DefaultAction: seccompprofilev1beta1.Action(p.DefaultAction),
		ListenerPath:  p.ListenerPath, ListenerMetadata: p.ListenerMetadata,
	}
	var err error
	if spec.DefaultErrnoRet, err = errnoToSpec(p.DefaultErrnoRet); err != nil {
		return spec, fmt.Errorf("defaultErrnoRet: %w", err)
	}
	for _, a := range p.Architectures {
		spec.Architectures = append(spec.Architectures, seccompprofilev1beta1.Arch(a))
	}
	for _, f := range p.Flags {
		spec.Flags = append(spec.Flags, seccompprofilev1beta1.Flag(f))
	}
	for i, s := range p.Syscalls {
		rule := seccompprofilev1beta1.Syscall{Action: seccompprofilev1beta1.Action(s.Action)}
		if rule.ErrnoRet, err = errnoToSpec(s.ErrnoRet); err != nil {
			return spec, fmt.Errorf("syscalls[%d].errnoRet: %w", i, err)
		}
		for _, n := range s.Names {
			rule.Names = append(rule.Names, seccompprofilev1beta1.SyscallName(n))
		}
		for _, a := range s.Args {
			if a.Value > math.MaxInt64 || a.ValueTwo > math.MaxInt64 {
				return spec, fmt.Errorf("syscalls[%d].args: value above the CRD's int64 range", i)
			}
			rule.Args = append(rule.Args, seccompprofilev1beta1.Arg{
				Index: int32(a.Index), Value: int64(a.Value), ValueTwo: int64(a.ValueTwo),
				Op: seccompprofilev1beta1.Operator(a.Op),
			})
		}
		spec.Syscalls = append(spec.Syscalls, rule)
	}
	return spec, nil
}

// EncodeCRD writes a SeccompProfile named name with the profile as its
// spec, as YAML with sorted keys.
func EncodeCRD(name string, p Profile) ([]byte, error) {
	if err := Validate(p); err != nil {
		return nil, err
	}
	spec, err := ToSpec(p)
	if err != nil {
		return nil, err
	}
	obj := seccompprofilev1beta1.SeccompProfile{
		TypeMeta: metav1.TypeMeta{
			APIVersion: seccompprofilev1beta1.GroupVersion.String(),
			Kind:       "SeccompProfile",
		},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       spec,
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode SeccompProfile: %w", err)
	}
	// creationTimestamp: null is noise from metav1.Time's encoding.
	return bytes.Replace(out, []byte("  creationTimestamp: null\n"), nil, 1), nil
}

// errnoFromSpec reads an errno written as an integer or a string of
// digits.
func errnoFromSpec(v *intstr.IntOrString) (*uint, error) {
	n, err := seccompprofilev1beta1.Errno(v)
	if err != nil || n == nil {
		return nil, err
	}
	if *n < 0 {
		return nil, fmt.Errorf("negative errno %d", *n)
	}
	u := uint(*n)
	return &u, nil
}

// errnoToSpec writes an errno as the integer the CRD's schema prefers.
func errnoToSpec(v *uint) (*intstr.IntOrString, error) {
	if v == nil {
		return nil, nil
	}
	if *v > math.MaxInt32 {
		return nil, fmt.Errorf("errno %d out of range", *v)
	}
	i := intstr.FromInt32(int32(*v))
	return &i, nil
}
